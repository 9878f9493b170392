import {
  definePlugin,
  gatewayTokens,
  parsePluginOptions,
  pidFilePath,
  type ConfigReloader,
  type ReloadRequest,
  type ReloadStrategy,
  zodMini as z,
} from "open-mcp-gateway";
import { FolderWatch } from "./FolderWatch.js";
import {
  hotReloadPluginOptions,
  hotReloadSchema,
  reloadStrategySchema,
  type HotReloadPluginOptions,
} from "./options.js";
import { writePidFile } from "./pidFile.js";
import { reloadAnswer } from "./reloadAnswer.js";

const NAME = "hot-reload";

/**
 * Hot reload: the config file, the catalog and the files plugins name (the API key file) are
 * watched; SIGHUP and POST /admin/reload reload too (mounts that deliver no file events). The
 * reload itself is the core's (`gatewayTokens.reloader`).
 */
export const hotReloadPlugin = definePlugin((rawOptions: Partial<HotReloadPluginOptions> = {}) => {
  const options = parsePluginOptions(NAME, hotReloadPluginOptions, rawOptions);
  return {
    name: NAME,
    apply(ctx) {
      const enabled = ctx.defineConfigKey("hot_reload", hotReloadSchema);
      ctx.defineConfigKey("reload_strategy", z._default(reloadStrategySchema, "restart"));
      const serverStrategy = ctx.defineServerKey("reload_strategy", reloadStrategySchema);
      if (ctx.mode === "inspect") return;

      const strategy: ReloadRequest["strategy"] = (server, config) =>
        serverStrategy.get(server) ?? (config.settings.reload_strategy as ReloadStrategy | undefined) ?? "restart";
      let reloader: ConfigReloader | undefined;
      const reload = (trigger: ReloadRequest["trigger"]) => reloader!.reload({ trigger, strategy });
      const watch = new FolderWatch(options.debounce_ms, ctx.logger, () => void reload("watch"));
      const follow = () => {
        if (enabled.get()) watch.watch(reloader!.files());
        else watch.close();
      };
      const onSignal = () => {
        // Still handled while stopping: SIGHUP's default action would end the drain.
        if (ctx.kernel.state !== "running") return;
        ctx.logger.info("SIGHUP received: reloading the config");
        void reload("signal");
      };
      let removePidFile = () => {};

      ctx.hooks.beforeStart.tap(NAME, () => {
        // A kernel assembled without the gateway's loader (an embedding program) cannot reload.
        if (!ctx.container.isRegistered(gatewayTokens.reloader, true)) return;
        reloader = ctx.use(gatewayTokens.reloader);
        if (ctx.container.isRegistered(gatewayTokens.httpRoutes, true))
          ctx.use(gatewayTokens.httpRoutes).add({
            method: "POST",
            path: "/admin/reload",
            scope: "admin",
            async handler(_request, reply) {
              const { status, body } = reloadAnswer(await reload("admin"), ctx.kernel.config.source.dir);
              reply.status(status);
              return body;
            },
          });
      });
      ctx.hooks.started.tap(NAME, () => {
        if (!reloader) return;
        follow();
        if (enabled.get()) ctx.logger.info(`Hot reload enabled for ${reloader!.files().join(", ") || "no file"}`);
        process.on("SIGHUP", onSignal);
        if (ctx.mode === "serve") removePidFile = writePidFile(pidFilePath(ctx.kernel.config), ctx.logger);
      });
      // A reload may name another catalog or key file, or turn watching on or off.
      ctx.hooks.reloaded.tap(NAME, () => reloader && follow());
      ctx.hooks.beforeShutdown.tap(NAME, () => {
        watch.close();
        removePidFile();
      });
      ctx.hooks.shutdown.tap(NAME, () => void process.off("SIGHUP", onSignal));
    },
  };
});

export default hotReloadPlugin;
