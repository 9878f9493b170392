import { definePlugin, gatewayTokens, parsePluginOptions } from "open-mcp-gateway";
import type { DockerServer } from "./containerSpec.js";
import { DockerRuntime } from "./DockerRuntime.js";
import { connectEngine } from "./engine.js";
import { Leftovers } from "./Leftovers.js";
import { dockerPluginOptions, dockerRuntimeOptions, type DockerPluginOptions } from "./options.js";
import { reportRisks } from "./risks.js";

export const NAME = "docker";
/** What logs and `mcpgw plugins` say of a copy loaded from a file (an npm install shows its package.json). */
export const meta = { name: "mcpgw-plugin-docker", version: "0.1.0" } as const;

/** `plugins: { docker: {} }`: adds `runtime.type: docker`, MCP servers in sandboxed containers. */
export const dockerPlugin = definePlugin((options: Partial<DockerPluginOptions> = {}) => {
  const settings = parsePluginOptions(NAME, dockerPluginOptions, options);
  return {
    name: NAME,
    meta,
    apply(ctx) {
      const engine = connectEngine(settings);
      const leftovers = new Leftovers(engine, ctx.logger);
      const usesDocker = () => ctx.kernel.config.servers.some((server) => server.runtime.type === "docker");
      ctx.defineRuntime({
        type: "docker",
        options: dockerRuntimeOptions,
        create: async (server, context) => {
          leftovers.created();
          return new DockerRuntime(server as DockerServer, engine, settings, context, ctx.use(gatewayTokens.redactor));
        },
      });
      ctx.hooks.validate.tap(NAME, (config, report) => reportRisks(config, settings, report));
      if (ctx.mode === "inspect") return;
      // What a gateway that was SIGKILLed left behind. Once the gateway is up, so that neither dockerode's
      // import nor the Engine's answer delays readiness; it removes only containers whose gateway is gone,
      // never one this gateway starts meanwhile.
      ctx.hooks.started.tapPromise(NAME, async () => {
        if (usesDocker()) await leftovers.sweep();
      });
      // LIFO: after the supervisor stopped every backend; whatever one of its stops left is removed here.
      ctx.hooks.shutdown.tapPromise(NAME, () => leftovers.removeOwn());
    },
  };
});

export default dockerPlugin;
