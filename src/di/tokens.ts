import type { InjectionToken } from "tsyringe";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import type { GatewayConfig } from "../config/model.js";
import type { Redactor } from "../kernel/redactor.js";
import type { ServerSupervisor } from "../supervisor/Supervisor.js";

/**
 * A typed DI token. Ids are namespaced like Backstage service refs: `core.<name>` for the
 * kernel's own services, `<plugin-id>.<name>` for what a plugin offers. Symbol.for keeps a
 * token identical across copies of this package.
 */
export function createToken<T>(id: string): InjectionToken<T> {
  return Symbol.for(`mcpgw:${id}`) as InjectionToken<T>;
}

export const coreTokens = {
  kernel: createToken<Kernel>("core.kernel"),
  logger: createToken<Logger>("core.logger"),
  config: createToken<GatewayConfig>("core.config"),
  /** Masks secrets in whatever the gateway shows or writes. */
  redactor: createToken<Redactor>("core.redactor"),
  /** Backend lifecycle: acquire, request, start/stop, capabilities (created once the config is valid). */
  supervisor: createToken<ServerSupervisor>("core.supervisor"),
} as const;
