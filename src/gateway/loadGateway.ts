import { loadKernel, type LoadedGateway, type LoadGatewayOptions } from "../kernel/loadKernel.js";

export type { LoadedGateway, LoadGatewayOptions };
import { DEFAULT_ASSEMBLY } from "./builtins.js";

/** Loads a gateway as `mcpgw` does: the core services, the built-in plugins, and what the config adds. */
export function loadGateway(options: LoadGatewayOptions = {}): Promise<LoadedGateway> {
  return loadKernel(options, DEFAULT_ASSEMBLY);
}
