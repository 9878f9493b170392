import { zodMini as z } from "open-mcp-gateway";

const MEMORY = /^\d+(\.\d+)?\s*[bkmg]?$/i;
const memory = z.union([
  z.string().check(z.regex(MEMORY, "memory is a size such as 256m, 1g or 512k (bytes without a unit)")),
  z.number().check(z.int(), z.positive()),
]);
const cpus = z.number().check(z.positive("cpus is a positive number, such as 0.5 or 2"));
const pull = z.enum(["never", "missing", "always"]);
const network = z.string().check(z.minLength(1));

/** `plugins: { docker: ... }`: where the Docker Engine is, and defaults for every `docker` server. */
export const dockerPluginOptions = z.strictObject({
  /** A unix socket path; else `host`, else DOCKER_HOST, else /var/run/docker.sock. */
  socket: z.optional(z.string().check(z.minLength(1))),
  /** `unix:///path`, `tcp://host:2375`, `https://host:2376`, `ssh://user@host`, as DOCKER_HOST takes. */
  host: z.optional(
    z.string().check(z.regex(/^(unix|tcp|http|https|ssh):\/\//, "host is a URL such as tcp://host:2375")),
  ),
  network: z._default(network, "none"),
  pull: z._default(pull, "missing"),
  memory: z.optional(memory),
  cpus: z.optional(cpus),
});

export type DockerPluginOptions = z.infer<typeof dockerPluginOptions>;

/** `runtime:` of a `docker` server: the original gateway's names (image, container_name, volumes, network, env_file). */
export const dockerRuntimeOptions = z.strictObject({
  image: z.string().check(z.minLength(1, "image is required: an image reference such as mcp/time")),
  /** Arguments after the image's entrypoint (the container's command). */
  args: z._default(z.array(z.string()), []),
  container_name: z.optional(
    z.string().check(z.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "container_name: letters, digits, _ . - only")),
  ),
  volumes: z._default(
    z.array(
      z
        .string()
        .check(z.regex(/^[^:]+:\/[^:]*(:(ro|rw))?$/, "a volume is host:container[:ro], the container path absolute")),
    ),
    [],
  ),
  network: z.optional(network),
  env_file: z.optional(z.string().check(z.minLength(1))),
  memory: z.optional(memory),
  cpus: z.optional(cpus),
  read_only: z._default(z.boolean(), true),
  user: z.optional(z.string().check(z.minLength(1))),
  pull: z.optional(pull),
  labels: z._default(z.record(z.string(), z.string()), {}),
});

export type DockerRuntimeOptions = z.infer<typeof dockerRuntimeOptions>;

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Docker's own reading of `--memory`: binary units, a bare number is bytes. */
export function memoryBytes(value: string | number): number {
  if (typeof value === "number") return value;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)$/i.exec(value.trim())!;
  return Math.round(Number(match[1]) * UNITS[(match[2] || "b").toLowerCase()]!);
}
