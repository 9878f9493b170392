import { definePlugin, gatewayTokens, parsePluginOptions, Stage } from "open-mcp-gateway";
import { tracingPluginOptions, tracingSchema } from "./options.js";

const NAME = "tracing";

/**
 * OpenTelemetry spans for every MCP request through the gateway, exported over OTLP/HTTP when
 * `tracing.otlp_endpoint` is set. Without it this plugin only owns the `tracing:` key: not one
 * OpenTelemetry module is loaded.
 */
export const tracingPlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions(NAME, tracingPluginOptions, options);
  return {
    name: NAME,
    apply(ctx) {
      const key = ctx.defineConfigKey("tracing", tracingSchema);
      if (ctx.mode === "inspect") return;
      ctx.hooks.configLoaded.tapPromise(NAME, async () => {
        const settings = key.get();
        if (settings?.otlp_endpoint === undefined) return;
        ctx.use(gatewayTokens.redactor).add(Object.values(settings.headers));
        const { RequestTracer } = await import("./RequestTracer.js");
        const tracer = new RequestTracer({ ...settings, otlp_endpoint: settings.otlp_endpoint }, ctx.logger);
        const hooks = ctx.use(gatewayTokens.requestHooks);
        // First of every stage: the span covers the whole request, refusals included.
        hooks.authorize.tap({ name: NAME, stage: Stage.FIRST }, (request) => tracer.begin(request));
        // Last of every stage: what goes to the backend carries this request's span as its parent.
        hooks.route.tap({ name: NAME, stage: Stage.LAST }, (request) => tracer.propagate(request));
        hooks.outcome.tap({ name: NAME, stage: Stage.OBSERVE }, (request, outcome) => tracer.end(request, outcome));
        ctx.hooks.serverStateChanged.tap(NAME, (change) => tracer.stateChanged(change));
        ctx.hooks.shutdown.tapPromise({ name: NAME, stage: Stage.LAST }, () => tracer.shutdown());
        ctx.logger.info(`Exporting traces to ${settings.otlp_endpoint}`);
      });
    },
  };
});

export default tracingPlugin;
