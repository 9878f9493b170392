import type Docker from "dockerode";
import type { DockerOptions } from "dockerode";
import type { DockerPluginOptions } from "./options.js";

export interface Engine {
  /** The API client, loaded on first use: dockerode takes about 0.7 s to import, which boot, `validate` and `plugins` never pay. */
  client(): Promise<Docker>;
  /** Where the daemon is, for messages: a socket path or a URL without credentials. */
  readonly where: string;
}

/** The Docker Engine API client: the plugin's `socket` or `host`, else DOCKER_HOST (dockerode's own reading), else the default socket. */
export function connectEngine(options: Pick<DockerPluginOptions, "socket" | "host">): Engine {
  const { settings, where } = locate(options);
  let client: Promise<Docker> | undefined;
  return {
    where,
    client: () => (client ??= import("dockerode").then(({ default: Dockerode }) => new Dockerode(settings))),
  };
}

function locate(options: Pick<DockerPluginOptions, "socket" | "host">): { settings?: DockerOptions; where: string } {
  if (options.socket) return { settings: { socketPath: options.socket, host: undefined }, where: options.socket };
  if (options.host) {
    const url = new URL(options.host);
    if (url.protocol === "unix:")
      return { settings: { socketPath: url.pathname, host: undefined }, where: url.pathname };
    const protocol =
      url.protocol === "ssh:" ? "ssh" : url.protocol === "https:" || url.port === "2376" ? "https" : "http";
    return {
      settings: {
        host: url.hostname,
        port: url.port || (protocol === "https" ? 2376 : protocol === "ssh" ? 22 : 2375),
        protocol,
        ...(url.username && { username: decodeURIComponent(url.username) }),
      },
      where: `${url.protocol}//${url.host}`,
    };
  }
  const fromEnv = process.env.DOCKER_HOST;
  return { where: fromEnv ? withoutCredentials(fromEnv) : "/var/run/docker.sock" };
}

/** A failure to reach the daemon says where it looked and how to point elsewhere; other errors pass through. */
export function engineError(error: unknown, engine: Engine): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" || code === "EHOSTUNREACH") {
    return new Error(
      `Cannot reach the Docker daemon at ${engine.where} (${code}): is Docker running? ` +
        "Point the plugin elsewhere with DOCKER_HOST or plugins.docker.socket / plugins.docker.host",
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Docker's own answer to a failed API call ("No such image: x"), without dockerode's "(HTTP code 404) ..." prefix. */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  if (json?.message) return json.message;
  return error instanceof Error ? error.message : String(error);
}

export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

function withoutCredentials(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return value;
  }
}
