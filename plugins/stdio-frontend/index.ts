import { z } from "zod";
import { definePlugin, parsePluginOptions } from "../../src/plugin/definePlugin.js";
import { GatewayError } from "../../src/kernel/errors.js";

export const stdioFrontendPluginOptions = z.strictObject({});

/** Serves MCP on stdin/stdout in `mcpgw stdio` mode; the relay itself comes with the stdio issue. */
export const stdioFrontendPlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("stdio-frontend", stdioFrontendPluginOptions, options);
  return {
    name: "stdio-frontend",
    apply(ctx) {
      if (ctx.mode !== "stdio") return;
      ctx.hooks.listen.tap("stdio-frontend", () => {
        throw new GatewayError("MCPGW_ERR_LISTEN", "mcpgw stdio is not available yet in this build: use mcpgw serve and an HTTP client", { plugin: "stdio-frontend" });
      });
    },
  };
});

export default stdioFrontendPlugin;
