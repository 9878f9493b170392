import { createToken, definePlugin, gatewayTokens, parsePluginOptions } from "open-mcp-gateway";
import type { HttpFrontend } from "./HttpFrontend.js";
import {
  allowedHostsSchema,
  corsEnabledSchema,
  corsOriginsSchema,
  exposureProblem,
  httpFrontendPluginOptions,
  listenAddrSchema,
  parseListenAddr,
  type HttpFrontendPluginOptions,
} from "./options.js";
import { addRestApi } from "./RestApi.js";
import { RouteTable } from "./RouteTable.js";

export const httpFrontendTokens = {
  frontend: createToken<HttpFrontend>("http-frontend.frontend"),
} as const;

export const httpFrontendPlugin = definePlugin((rawOptions: HttpFrontendPluginOptions = {}) => {
  const options = parsePluginOptions("http-frontend", httpFrontendPluginOptions, rawOptions);
  return {
    name: "http-frontend",
    apply(ctx) {
      const listenAddr = ctx.defineConfigKey("listen_addr", listenAddrSchema);
      const corsEnabled = ctx.defineConfigKey("cors_enabled", corsEnabledSchema);
      const corsOrigins = ctx.defineConfigKey("cors_origins", corsOriginsSchema);
      const allowedHosts = ctx.defineConfigKey("allowed_hosts", allowedHostsSchema);
      // Offered in every mode, so plugins add routes without asking whether HTTP is served.
      const routes = new RouteTable();
      ctx.provide(gatewayTokens.httpRoutes, routes);
      addRestApi(
        routes,
        () => ctx.kernel.config,
        () => ctx.use(gatewayTokens.supervisor),
        ctx.use(gatewayTokens.redactor),
      );
      const authenticators = ctx.use(gatewayTokens.authenticators);
      // The one check of what `serve` refuses to bind: `validate` (inspect) reports it too.
      if (ctx.mode !== "stdio" || options.in_stdio_mode)
        ctx.hooks.validate.tap("http-frontend", (config, report) => {
          const problem = exposureProblem(config.settings.listen_addr, authenticators.requiredFor(config));
          if (problem) report.error(["listen_addr"], problem);
        });
      if (ctx.mode === "inspect" || (ctx.mode === "stdio" && !options.in_stdio_mode)) return;
      // koa and the routes load only when HTTP is served: not for `mcpgw stdio`, validate, plugins, servers.
      ctx.hooks.configLoaded.tapPromise("http-frontend", async () => {
        const { HttpFrontend } = await import("./HttpFrontend.js");
        const web = {
          allowedHosts: allowedHosts.get(),
          cors: { enabled: corsEnabled.get(), origins: corsOrigins.get() },
        };
        const services = {
          sessions: ctx.use(gatewayTokens.sessions),
          authenticators,
          routes,
          redactor: ctx.use(gatewayTokens.redactor),
          sessionRouting: once(() =>
            ctx.container.isRegistered(gatewayTokens.sessionRouting, true)
              ? ctx.container.resolve(gatewayTokens.sessionRouting)
              : undefined,
          ),
          stopping: () => ctx.kernel.state === "stopping",
        };
        ctx.provide(
          httpFrontendTokens.frontend,
          new HttpFrontend(ctx.logger, parseListenAddr(listenAddr.get())!, web, options, services),
        );
      });
      ctx.hooks.listen.tapPromise("http-frontend", async () => {
        await ctx.container.resolve(httpFrontendTokens.frontend).listen();
      });
      // Stop accepting before the supervisor drains (beforeShutdown), close sessions after it (shutdown).
      ctx.hooks.beforeShutdown.tap("http-frontend", () =>
        ctx.container.resolve(httpFrontendTokens.frontend).stopAccepting(),
      );
      ctx.hooks.shutdown.tapPromise("http-frontend", () => ctx.container.resolve(httpFrontendTokens.frontend).close());
    },
  };
});

/** Resolved at the first request, when every plugin's configLoaded has run. */
function once<T>(get: () => T): () => T {
  let value: { readonly got: T } | undefined;
  return () => (value ??= { got: get() }).got;
}

export default httpFrontendPlugin;
