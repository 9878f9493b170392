import type { Duplex } from "node:stream";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type Docker from "dockerode";
import {
  isMcpError,
  RpcCode,
  type BackendRuntime,
  type Redactor,
  type RuntimeConnectOptions,
  type RuntimeContext,
} from "open-mcp-gateway";
import { containerEnv, containerSpec, effective, type DockerServer, type Effective } from "./containerSpec.js";
import { ContainerTransport } from "./ContainerTransport.js";
import { daemonMessage, engineError, statusOf, type Engine } from "./engine.js";
import { ensureImage } from "./images.js";
import type { DockerPluginOptions } from "./options.js";

/** The stop sequence, as for a local process: stdin closed, then SIGTERM (docker stop), then SIGKILL. */
const STDIN_GRACE_MS = 2_000;
const TERM_GRACE_SECONDS = 3;
/** How long a failed connect waits to learn the container's exit code. */
const EXIT_REPORT_MS = 1_000;

interface Exit {
  readonly code: number;
}

/** A `docker` backend: one container per instance, MCP over its attached stdio, removed when it stops. */
export class DockerRuntime implements BackendRuntime {
  readonly #settings: Effective;
  #creating?: Promise<Docker.Container | undefined>;
  #container?: Docker.Container;
  #stream?: Duplex;
  #exit?: Promise<Exit | undefined>;
  #transport?: ContainerTransport;
  #stopping?: Promise<void>;

  constructor(
    private readonly server: DockerServer,
    private readonly engine: Engine,
    defaults: DockerPluginOptions,
    private readonly context: RuntimeContext,
    private readonly redactor: Redactor,
  ) {
    this.#settings = effective(server, defaults);
  }

  async connect(client: Client, options: RuntimeConnectOptions): Promise<void> {
    const docker = await this.engine.client();
    this.#creating = this.#createAndStart(docker, options.signal);
    const container = await this.#creating;
    if (!container) throw new Error("The server was stopped while its container was being created");
    this.#transport = new ContainerTransport(
      {
        stream: this.#stream!,
        demux: (stream, stdout, stderr) => docker.modem.demuxStream(stream, stdout, stderr),
        kill: () => void container.kill().catch(() => undefined),
      },
      this.context.logger,
    );
    try {
      await client.connect(this.#transport, { timeout: options.timeoutMs, signal: options.signal });
    } catch (error) {
      // "Connection closed" says nothing; a container that ended during the handshake says why.
      if (!(isMcpError(error) && error.code === RpcCode.ConnectionClosed)) throw error;
      const exit = await within(this.#exit!, EXIT_REPORT_MS);
      await this.#transport.stderrDrained(EXIT_REPORT_MS);
      // Otherwise the supervisor quotes its last stderr lines (recentOutput).
      const silent = this.#transport.stderrTail.length === 0;
      throw new Error(
        `${exit ? this.#describeExit(exit) : "the container ended"} during the MCP handshake` +
          (silent ? " (it wrote nothing to stderr)" : ""),
        { cause: error },
      );
    }
  }

  recentOutput(): readonly string[] {
    return this.#transport?.stderrTail ?? [];
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      transport: "docker",
      image: this.server.runtime.image,
      ...(this.#container && { container: this.#container.id.slice(0, 12) }),
      network: this.#settings.network,
    };
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #createAndStart(docker: Docker, signal: AbortSignal): Promise<Docker.Container | undefined> {
    const { logger } = this.context;
    const env = containerEnv(this.server);
    // env_file values are as secret as `env:` values: never in a log line or an error.
    this.redactor.add(Object.values(env));
    const image = await ensureImage(this.engine, this.server.runtime.image, this.#settings.pull, {
      logger,
      signal,
      redactor: this.redactor,
    });
    if (this.#stopping) return undefined;
    let container: Docker.Container;
    try {
      container = await docker.createContainer(containerSpec(this.server, this.#settings, image, env));
    } catch (error) {
      throw new Error(
        `Could not create a container of ${this.server.runtime.image}: ${daemonMessage(engineError(error, this.engine))}`,
        {
          cause: error,
        },
      );
    }
    this.#container = container;
    if (this.#stopping) return undefined;
    // Attached before the start, so nothing the server writes first is lost.
    this.#stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as Duplex;
    this.#exit = container.wait({ condition: "next-exit" }).then(
      (result: { StatusCode: number }) => ({ code: result.StatusCode }),
      () => undefined,
    );
    try {
      await container.start();
    } catch (error) {
      throw new Error(`Could not start a container of ${this.server.runtime.image}: ${daemonMessage(error)}`, {
        cause: error,
      });
    }
    logger.debug({ container: container.id.slice(0, 12), image: this.server.runtime.image }, "Container started");
    // Ended before anyone stopped it: a crash, whose cause (exit code, OOM) belongs in the log. The
    // supervisor's stop follows the end at once, so whether it came first is noted when the stream ends,
    // in whichever form the end comes: a killed container's connection may close or fail without "end".
    let onItsOwn = false;
    const ended = () => (onItsOwn ||= !this.#stopping);
    for (const event of ["end", "close", "error"]) this.#stream.once(event, ended);
    void this.#exit.then((exit) => {
      if (exit && onItsOwn)
        logger.warn({ container: container.id.slice(0, 12), exit_code: exit.code }, this.#describeExit(exit));
    });
    return container;
  }

  async #stop(): Promise<void> {
    await this.#creating?.catch(() => undefined);
    const container = this.#container;
    if (!container) return;
    this.#stream?.end();
    const exited = this.#exit ? await within(this.#exit, STDIN_GRACE_MS) : undefined;
    if (!exited) await container.stop({ t: TERM_GRACE_SECONDS }).catch(() => undefined);
    await removeContainer(container);
    this.#stream?.destroy();
    this.#transport?.finish();
  }

  #describeExit(exit: Exit): string {
    if (exit.code !== 137) return `container exited with code ${exit.code}`;
    const memory = this.#settings.memory;
    return `container was killed (SIGKILL: docker kill${memory === undefined ? "" : `, or out of memory at its limit of ${memory}`})`;
  }
}

/** Removes a container, whatever its state; one the daemon is already removing (AutoRemove) is waited for. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true });
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return;
    if (status === 409) {
      await container.wait({ condition: "removed" }).catch(() => undefined);
      return;
    }
    throw error;
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
