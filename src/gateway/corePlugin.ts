import { Authenticators } from "../services/auth.js";
import { GatewayMetrics } from "../services/metrics.js";
import { gatewayTokens } from "../services/tokens.js";
import { coreTokens } from "../di/tokens.js";
import { Stage } from "../kernel/hooks.js";
import { createRequestHooks } from "../mcp/hooks.js";
import { logRequest } from "../mcp/RequestLog.js";
import type { GatewayPlugin } from "../plugin/types.js";
import { resolveStateDir } from "../supervisor/stateDir.js";
import { Supervisor } from "../supervisor/Supervisor.js";
import { gatewayVersion } from "../version.js";

const NAME = "core";

/**
 * The gateway's core services, installed like any plugin (before every other): the request
 * pipeline's hooks, the authenticator registry and the plugins' metrics from `apply` on; the supervisor and the MCP
 * core once the config is valid. The kernel itself knows none of them.
 */
export const corePlugin: GatewayPlugin = {
  name: NAME,
  enforce: "pre",
  apply(ctx) {
    const hooks = createRequestHooks(ctx.logger);
    ctx.provide(gatewayTokens.requestHooks, hooks);
    const requests = ctx.kernel.logger.child({ component: "requests" });
    hooks.outcome.tap({ name: NAME, stage: Stage.OBSERVE }, (request, outcome) =>
      logRequest(requests, request, outcome),
    );
    ctx.provide(gatewayTokens.authenticators, new Authenticators());
    ctx.provide(gatewayTokens.metrics, new GatewayMetrics());
    ctx.hooks.configLoaded.tapPromise({ name: NAME, stage: Stage.FIRST }, async (config) => {
      const supervisor = new Supervisor(ctx.kernel, config, resolveStateDir(config), {
        name: "open-mcp-gateway",
        version: gatewayVersion(),
      });
      ctx.provide(coreTokens.supervisor, supervisor);
      ctx.hooks.started.tapPromise(NAME, () => supervisor.autostart());
      // Frontends stop accepting first (LIFO), so the drain starts once nothing new arrives.
      ctx.hooks.beforeShutdown.tapPromise({ name: NAME, stage: Stage.LAST }, async () => {
        await supervisor.drain();
      });
      // Before the runtime plugins release what their backends use.
      ctx.hooks.shutdown.tapPromise({ name: NAME, stage: Stage.FIRST }, () => supervisor.stopAll());
      if (ctx.mode === "inspect") return;
      const { McpCore } = await import("../mcp/McpCore.js");
      const core = new McpCore(ctx.kernel, supervisor, hooks);
      ctx.provide(gatewayTokens.sessions, core);
      // A call parked for a 2026-07-28 client's answer has no client waiting on it: it must not hold the drain.
      ctx.hooks.beforeShutdown.tap(NAME, () => core.parked.close());
      // The supervisor took the new servers before this hook (the reloader does that); clients hear of it here.
      ctx.hooks.configChanged.tap({ name: NAME, stage: Stage.LAST }, (next, previous) =>
        core.configChanged(next, previous),
      );
    });
  },
};
