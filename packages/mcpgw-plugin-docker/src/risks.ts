import type { ConfigReport, GatewayConfig } from "open-mcp-gateway";
import { effective, isRoot, type DockerServer } from "./containerSpec.js";
import type { DockerPluginOptions } from "./options.js";

/**
 * `mcpgw validate` names every relaxation of the sandbox: each is allowed, none goes unnoticed.
 * Options that would hand a container the host (privileged, host PID namespace, added
 * capabilities) are not offered at all.
 */
export function reportRisks(config: GatewayConfig, defaults: DockerPluginOptions, report: ConfigReport): void {
  for (const definition of config.servers) {
    if (definition.runtime.type !== "docker") continue;
    const server = definition as DockerServer;
    const at = (...key: PropertyKey[]) => [...server.origin.path, "runtime", ...key];
    const runtime = server.runtime;
    const network = effective(server, defaults).network;
    if (network !== "none")
      report.warn(
        at("network"),
        `Server '${server.id}': its container gets network '${network}' (it can reach ${network === "host" ? "every port of the host" : "other hosts"}); the default is none`,
      );
    if (runtime.read_only === false)
      report.warn(at("read_only"), `Server '${server.id}': its container's root filesystem is writable`);
    if (runtime.user !== undefined && isRoot(runtime.user))
      report.warn(at("user"), `Server '${server.id}': its container runs as root`);
    runtime.volumes?.forEach((volume, index) => {
      if (!/:ro$/.test(volume))
        report.warn(
          at("volumes", index),
          `Server '${server.id}': volume ${volume} is writable from the container (add :ro)`,
        );
    });
    if (runtime.container_name !== undefined && server.isolation === "session")
      report.error(
        at("container_name"),
        `Server '${server.id}': container_name cannot be used with isolation: session (every session gets its own container)`,
      );
  }
}
