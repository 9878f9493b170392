import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ContainerCreateOptions, ImageInspectInfo } from "dockerode";
import type { ServerDefinition } from "open-mcp-gateway";
import { gatewayIdentity, hostName, LABELS } from "./owner.js";
import { memoryBytes, type DockerPluginOptions, type DockerRuntimeOptions } from "./options.js";

/** The user a container runs as when neither the entry nor the image names a non-root one: nobody. */
export const NOBODY = "65534:65534";
/** A read-only root still gets a small writable /tmp: many programs cannot start without one. */
const TMPFS = "rw,nosuid,nodev,size=64m,mode=1777";

export type DockerServer = ServerDefinition & { runtime: DockerRuntimeOptions & { type: string } };

/** A server entry's runtime with the plugin-level defaults filled in. */
export interface Effective {
  readonly network: string;
  readonly pull: "never" | "missing" | "always";
  readonly memory?: string | number;
  readonly cpus?: number;
}

export function effective(server: DockerServer, defaults: DockerPluginOptions): Effective {
  const { network, pull, memory, cpus } = server.runtime;
  return {
    network: network ?? defaults.network,
    pull: pull ?? defaults.pull,
    ...((memory ?? defaults.memory) !== undefined && { memory: memory ?? defaults.memory }),
    ...((cpus ?? defaults.cpus) !== undefined && { cpus: cpus ?? defaults.cpus }),
  };
}

/**
 * The container of one backend instance: stdin attached without a TTY (MCP over stdio), removed by
 * the daemon when it exits, sandboxed unless the entry relaxes it: no network, read-only root, no
 * capabilities, no privilege gain, a non-root user, the limits set. The environment is the entry's
 * `env` (and `env_file`), nothing of the gateway's own.
 */
export function containerSpec(
  server: DockerServer,
  settings: Effective,
  image: ImageInspectInfo,
  env: Readonly<Record<string, string>>,
): ContainerCreateOptions {
  const runtime = server.runtime;
  const memory = settings.memory === undefined ? undefined : memoryBytes(settings.memory);
  return {
    Image: runtime.image,
    ...(runtime.args.length > 0 && { Cmd: [...runtime.args] }),
    name: runtime.container_name ?? `mcpgw-${server.id}-${randomBytes(4).toString("hex")}`,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      ...runtime.labels,
      [LABELS.managed]: "true",
      [LABELS.host]: hostName(),
      [LABELS.gateway]: gatewayIdentity(),
      [LABELS.server]: server.id,
    },
    User: userFor(runtime.user, image),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // The daemon closes the container's stdin when the gateway's attach ends: a gateway that dies leaves
    // an MCP server at stdin EOF, where it exits, and AutoRemove takes the container away.
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      AutoRemove: true,
      NetworkMode: settings.network,
      ReadonlyRootfs: runtime.read_only,
      ...(runtime.read_only && { Tmpfs: { "/tmp": TMPFS } }),
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ...(memory !== undefined && { Memory: memory, MemorySwap: memory }),
      ...(settings.cpus !== undefined && { NanoCpus: Math.round(settings.cpus * 1e9) }),
      Binds: runtime.volumes.map((volume) => bindFor(volume, server.origin.dir)),
    },
  };
}

/** The entry's user, else the image's when it names one that is not root, else nobody. */
function userFor(user: string | undefined, image: ImageInspectInfo): string {
  if (user) return user;
  const imageUser = image.Config?.User ?? "";
  return imageUser !== "" && !isRoot(imageUser) ? imageUser : NOBODY;
}

export function isRoot(user: string): boolean {
  const name = user.split(":")[0];
  return name === "root" || name === "0";
}

/** `./data:/data:ro` with the host path resolved from the entry's file; a bare name is a named volume. */
function bindFor(volume: string, dir: string): string {
  const [source, ...rest] = volume.split(":");
  const isPath = source!.startsWith(".") || source!.startsWith("/") || source!.startsWith("~");
  const host = !isPath
    ? source!
    : source!.startsWith("~")
      ? path.join(os.homedir(), source!.slice(1))
      : path.resolve(dir, source!);
  return [host, ...rest].join(":");
}

/**
 * The container's environment: `env_file` (KEY=VALUE lines, `#` comments; relative to the entry's
 * file), then the entry's `env`, which wins, as in Compose.
 */
export function containerEnv(server: DockerServer): Record<string, string> {
  const env: Record<string, string> = {};
  if (server.runtime.env_file) {
    const file = path.resolve(server.origin.dir, server.runtime.env_file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`Cannot read env_file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        cause: error,
      });
    }
    for (const line of text.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) continue;
      const equals = trimmed.indexOf("=");
      // A bare KEY would mean "from the host's environment" in Compose: the gateway's own never reaches a container.
      if (equals <= 0) continue;
      env[trimmed.slice(0, equals).replace(/^export\s+/, "")] = unquote(trimmed.slice(equals + 1));
    }
  }
  return { ...env, ...server.env };
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}
