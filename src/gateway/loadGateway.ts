import { coreTokens } from "../di/tokens.js";
import { loadKernel, type LoadedGateway, type LoadGatewayOptions } from "../kernel/loadKernel.js";
import { createLogger } from "../kernel/logger.js";
import { gatewayTokens } from "../services/tokens.js";
import type { Supervisor } from "../supervisor/Supervisor.js";
import { DEFAULT_ASSEMBLY } from "./builtins.js";
import { GatewayReloader } from "./ConfigReloader.js";

export type { LoadedGateway, LoadGatewayOptions };

/** Loads a gateway as `mcpgw` does: the core services, the built-in plugins, and what the config adds. */
export async function loadGateway(options: LoadGatewayOptions = {}): Promise<LoadedGateway> {
  const loaded = await loadKernel(options, DEFAULT_ASSEMBLY);
  const kernel = loaded.kernel;
  if (kernel && kernel.mode !== "inspect") {
    // A reload reads what startup read: the same file (not a new search), overrides and plugin options.
    // Its throw-away kernel logs errors only (its plugins' start-up lines are not news), masked by the gateway's redactor.
    const again: LoadGatewayOptions = {
      ...options,
      mode: "inspect",
      ...(loaded.configFile !== undefined && { configFile: loaded.configFile }),
      logger: createLogger("error", 2, kernel.redactor),
    };
    const supervisor = kernel.container.resolve(coreTokens.supervisor) as Supervisor;
    kernel.container.register(gatewayTokens.reloader, {
      useValue: new GatewayReloader(kernel, supervisor, () => loadKernel(again, DEFAULT_ASSEMBLY)),
    });
  }
  return loaded;
}
