import { definePlugin, gatewayTokens, GatewayError, parsePluginOptions, type InboundRequest } from "open-mcp-gateway";
import { KeyStore } from "./KeyStore.js";
import { apiKeyAuthPluginOptions, apiKeySchema, apiKeysSchema, type NamedApiKey } from "./options.js";

/** `Authorization: Bearer KEY` wins over `X-API-Key: KEY`, as in the original. */
export function presentedKey(request: InboundRequest): string | undefined {
  const authorization = header(request, "authorization");
  if (authorization && /^bearer /i.test(authorization)) return authorization.slice(7).trim() || undefined;
  return header(request, "x-api-key")?.trim() || undefined;
}

function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

export const apiKeyAuthPlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("api-key-auth", apiKeyAuthPluginOptions, options);
  return {
    name: "api-key-auth",
    apply(ctx) {
      const apiKey = ctx.defineConfigKey("api_key", apiKeySchema);
      const apiKeys = ctx.defineConfigKey("api_keys", apiKeysSchema);
      const authenticators = ctx.use(gatewayTokens.authenticators);
      ctx.hooks.configLoaded.tap("api-key-auth", () => {
        const keys: NamedApiKey[] = [...apiKeys.get()];
        const single = apiKey.get();
        if (single) keys.unshift({ name: "default", key: single, scopes: ["*"] });
        if (keys.length === 0) return;
        // A key written in the file (not taken from the environment) is a secret all the same.
        ctx.use(gatewayTokens.redactor).add(keys.map((key) => key.key));
        const store = new KeyStore(keys);
        ctx.logger.info(`API key auth on (${store.size} key${store.size === 1 ? "" : "s"})`);
        authenticators.register({
          name: "api-key-auth",
          authenticate(request) {
            const key = presentedKey(request);
            if (!key) throw new GatewayError("MCPGW_ERR_UNAUTHORIZED", "API key required", { plugin: "api-key-auth" });
            const principal = store.match(key);
            if (!principal)
              throw new GatewayError("MCPGW_ERR_FORBIDDEN", "Invalid API key", { plugin: "api-key-auth" });
            return principal;
          },
        });
      });
      ctx.hooks.validate.tap("api-key-auth", (config, report) => {
        const names = new Set<string>(config.settings.api_key ? ["default"] : []);
        ((config.settings.api_keys as NamedApiKey[] | undefined) ?? []).forEach((key, index) => {
          if (names.has(key.name)) report.error(["api_keys", index, "name"], `Duplicate API key name: ${key.name}`);
          names.add(key.name);
        });
      });
    },
  };
});

export default apiKeyAuthPlugin;
