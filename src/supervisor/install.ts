import { coreTokens } from "../di/tokens.js";
import { Stage } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/Kernel.js";
import { resolveStateDir } from "./stateDir.js";
import { Supervisor } from "./Supervisor.js";
import { gatewayVersion } from "../version.js";

const TAP = "core:supervisor";

/**
 * Creates the supervisor for a loaded kernel, publishes it as `coreTokens.supervisor`, and ties
 * it to the kernel's lifecycle: autostart once everything is up, drain after the frontends
 * stopped accepting, stop backends before the plugins release what runtimes use.
 */
export function installSupervisor(kernel: Kernel): Supervisor {
  const supervisor = new Supervisor(kernel, kernel.config, resolveStateDir(kernel.config), { name: "open-mcp-gateway", version: gatewayVersion() });
  kernel.container.register(coreTokens.supervisor, { useValue: supervisor });
  kernel.hooks.started.tapPromise(TAP, () => supervisor.autostart());
  kernel.hooks.configChanged.tapPromise(TAP, (next) => supervisor.applyConfig(next));
  // Frontends' taps run first (LIFO), so this drain starts once nothing new arrives.
  kernel.hooks.beforeShutdown.tapPromise({ name: TAP, stage: Stage.LAST }, async () => {
    await supervisor.drain();
  });
  // Registered after every plugin, so LIFO runs it before the runtime plugins release their resources.
  kernel.hooks.shutdown.tapPromise(TAP, () => supervisor.stopAll());
  return supervisor;
}
