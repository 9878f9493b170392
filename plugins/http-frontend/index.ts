import { definePlugin, parsePluginOptions } from "../../src/plugin/definePlugin.js";
import { createToken } from "../../src/di/tokens.js";
import type { HttpFrontend } from "./HttpFrontend.js";
import { corsEnabledSchema, corsOriginsSchema, httpFrontendPluginOptions, listenAddrSchema, parseListenAddr, type HttpFrontendPluginOptions } from "./options.js";

export const httpFrontendTokens = {
  frontend: createToken<HttpFrontend>("http-frontend.frontend"),
} as const;

export const httpFrontendPlugin = definePlugin((rawOptions: HttpFrontendPluginOptions = {}) => {
  const options = parsePluginOptions("http-frontend", httpFrontendPluginOptions, rawOptions);
  return {
    name: "http-frontend",
    apply(ctx) {
      ctx.defineConfigKey("listen_addr", listenAddrSchema);
      ctx.defineConfigKey("cors_enabled", corsEnabledSchema);
      ctx.defineConfigKey("cors_origins", corsOriginsSchema);
      if (ctx.mode === "inspect" || (ctx.mode === "stdio" && !options.in_stdio_mode)) return;
      // koa and the routes load only when HTTP is served: not for `mcpgw stdio`, validate, plugins, servers.
      ctx.hooks.configLoaded.tapPromise("http-frontend", async (config) => {
        const { HttpFrontend } = await import("./HttpFrontend.js");
        const cors = { enabled: config.settings.cors_enabled as boolean, origins: config.settings.cors_origins as string[] };
        ctx.provide(httpFrontendTokens.frontend, new HttpFrontend(ctx.kernel, ctx.logger, parseListenAddr(config.settings.listen_addr as string)!, cors, options));
      });
      ctx.hooks.listen.tapPromise("http-frontend", async () => {
        await ctx.container.resolve(httpFrontendTokens.frontend).listen();
      });
      // Stop accepting before the supervisor drains (beforeShutdown), close sessions after it (shutdown).
      ctx.hooks.beforeShutdown.tap("http-frontend", () => ctx.container.resolve(httpFrontendTokens.frontend).stopAccepting());
      ctx.hooks.shutdown.tapPromise("http-frontend", () => ctx.container.resolve(httpFrontendTokens.frontend).close());
    },
  };
});

export default httpFrontendPlugin;
