import type { ImageInspectInfo } from "dockerode";
import type { Logger, Redactor } from "open-mcp-gateway";
import { daemonMessage, engineError, statusOf, type Engine } from "./engine.js";
import { registryAuth, type RegistryAuth } from "./registryAuth.js";

export type PullPolicy = "never" | "missing" | "always";

/** At most one progress line per this many ms: a pull of many layers must not flood the log. */
const PROGRESS_EVERY_MS = 2_000;

export interface ImageContext {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Registry passwords and tokens join the secrets no log line or error shows. */
  readonly redactor: Redactor;
}

/** The image, present locally by `policy`: pulled when missing (or always), never when the policy says never. */
export async function ensureImage(
  engine: Engine,
  image: string,
  policy: PullPolicy,
  context: ImageContext,
): Promise<ImageInspectInfo> {
  if (policy !== "always") {
    const present = await inspectImage(engine, image);
    if (present) return present;
    if (policy === "never")
      throw new Error(
        `Image '${image}' is not present on the Docker host and pull is 'never': docker pull (or load) it first, or set pull: missing`,
      );
  }
  await pullImage(engine, image, context);
  const pulled = await inspectImage(engine, image);
  if (!pulled) throw new Error(`Image '${image}' was pulled but the Docker host does not list it`);
  return pulled;
}

async function inspectImage(engine: Engine, image: string): Promise<ImageInspectInfo | undefined> {
  try {
    return await (await engine.client()).getImage(image).inspect();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw engineError(error, engine);
  }
}

async function pullImage(engine: Engine, image: string, { logger, signal, redactor }: ImageContext): Promise<void> {
  const auth = registryAuth(image);
  if (auth) redactor.add([auth.password, auth.identitytoken]);
  const started = Date.now();
  logger.info({ image, ...(auth && { registry: auth.serveraddress }) }, `Pulling image ${image}`);
  const docker = await engine.client();
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image, { abortSignal: signal, ...(auth && { authconfig: toAuthConfig(auth) }) });
  } catch (error) {
    throw new Error(`Could not pull image '${image}': ${daemonMessage(engineError(error, engine))}`, { cause: error });
  }
  const progress = new PullProgress(image, logger);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) =>
        error ? reject(new Error(`Could not pull image '${image}': ${daemonMessage(error)}`)) : resolve(),
      (event: PullEvent) => {
        // The daemon reports a failed pull as an event on a stream that otherwise ends normally.
        if (event.error) reject(new Error(`Could not pull image '${image}': ${event.error}`));
        else progress.event(event);
      },
    );
  });
  logger.info({ image, duration_ms: Date.now() - started }, `Pulled image ${image}`);
}

function toAuthConfig(auth: RegistryAuth): Record<string, string> {
  return Object.fromEntries(Object.entries(auth).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

interface PullEvent {
  readonly status?: string;
  readonly id?: string;
  readonly error?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
}

/** Per-layer events summed into "3/7 layers done, 45 of 120 MB", logged at most every few seconds. */
class PullProgress {
  readonly #layers = new Map<string, { current: number; total: number; done: boolean }>();
  // The first event is logged at once: every pull says at least once how far it got.
  #lastLog = 0;

  constructor(
    private readonly image: string,
    private readonly logger: Logger,
  ) {}

  event(event: PullEvent): void {
    if (!event.id || !event.status) return;
    if (/^(Pulling from|Digest|Status)/.test(event.status)) return;
    const layer = this.#layers.get(event.id) ?? { current: 0, total: 0, done: false };
    if (event.progressDetail?.total) {
      layer.current = event.progressDetail.current ?? layer.current;
      layer.total = event.progressDetail.total;
    }
    if (/complete|Already exists/i.test(event.status) && event.status !== "Download complete") layer.done = true;
    this.#layers.set(event.id, layer);
    if (Date.now() - this.#lastLog < PROGRESS_EVERY_MS) return;
    this.#lastLog = Date.now();
    const layers = [...this.#layers.values()];
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    const current = layers.reduce((sum, each) => sum + (each.done ? each.total : each.current), 0);
    const total = layers.reduce((sum, each) => sum + each.total, 0);
    this.logger.info(
      { image: this.image, layers_done: layers.filter((each) => each.done).length, layers: layers.length },
      `Pulling image ${this.image}: ${layers.filter((each) => each.done).length}/${layers.length} layers, ${mb(current)} of ${mb(total)} MB`,
    );
  }
}
