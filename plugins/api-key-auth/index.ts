import path from "node:path";
import {
  definePlugin,
  errorMessage,
  gatewayTokens,
  GatewayError,
  parsePluginOptions,
  type GatewayConfig,
  type InboundRequest,
  type PluginContext,
  type Principal,
} from "open-mcp-gateway";
import { FailureLog } from "./FailureLog.js";
import { KeyFile } from "./KeyFile.js";
import { KeyStore } from "./KeyStore.js";
import {
  apiKeyAuthPluginOptions,
  apiKeySchema,
  apiKeysFileSchema,
  apiKeysSchema,
  type NamedApiKey,
} from "./options.js";

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
      const apiKeysFile = ctx.defineConfigKey("api_keys_file", apiKeysFileSchema);
      const authenticators = ctx.use(gatewayTokens.authenticators);
      authenticators.declare("api-key-auth", keysConfigured);
      const redactor = ctx.use(gatewayTokens.redactor);
      const failures = new FailureLog(ctx.logger);
      /** Undefined while auth is off (no key configured at all); once on, it stays on until a restart. */
      let store: KeyStore | undefined;
      let keyFile: KeyFile | undefined;
      const configured = (): NamedApiKey[] => {
        const single = apiKey.get();
        return [...(single ? [{ name: "default", key: single, scopes: ["*"] }] : []), ...apiKeys.get()];
      };
      const install = (keys: NamedApiKey[]) => {
        // A key written in the config or a key file (not taken from the environment) is a secret all the same.
        redactor.add(keys.map((key) => key.key));
        const previous = store;
        store = new KeyStore(keys);
        if (!previous) authenticators.register(authenticator);
        else endStaleSessions(ctx, previous, store);
      };
      const authenticator = {
        name: "api-key-auth",
        authenticate(request: InboundRequest): Principal {
          const key = presentedKey(request);
          if (!key) {
            failures.record("missing", request);
            throw new GatewayError("MCPGW_ERR_UNAUTHORIZED", "API key required", { plugin: "api-key-auth" });
          }
          const principal = store!.match(key);
          if (!principal) {
            failures.record("invalid", request);
            throw new GatewayError("MCPGW_ERR_FORBIDDEN", "Invalid API key", { plugin: "api-key-auth" });
          }
          return principal;
        },
      };
      const announce = () => ctx.logger.info(`API key auth on (${store!.size} key${store!.size === 1 ? "" : "s"})`);
      /** The key file named by the config in force; the same object while the name stays, so its digest tells a change. */
      const keyFileOf = (config: GatewayConfig): KeyFile | undefined => {
        const file = apiKeysFile.get();
        if (file === undefined) return undefined;
        const resolved = path.resolve(config.source.dir, file);
        return keyFile?.file === resolved ? keyFile : new KeyFile(resolved);
      };
      /** The hot-reload plugin's watcher re-reads the config when the key file changes: one watch for every file. */
      const watchKeyFile = () => {
        if (ctx.container.isRegistered(gatewayTokens.reloader, true))
          ctx.use(gatewayTokens.reloader).watchFiles("api-key-auth", keyFile ? [keyFile.file] : []);
      };
      ctx.hooks.configLoaded.tap("api-key-auth", (config) => {
        keyFile = keyFileOf(config);
        const keys = configured();
        // With a key file the authenticator is on even while the file lists no key: nobody gets in unasked.
        if (keys.length > 0 || keyFile) install(keys);
        if (!keyFile && store) announce();
      });
      // Read at start, not at load: a file that cannot be used fails the start with its reason.
      ctx.hooks.beforeStart.tapPromise("api-key-auth", async () => {
        watchKeyFile();
        if (!keyFile) return;
        install(merged(configured(), keyFile.file, await keyFile.read()));
        announce();
      });
      // Keys apply at once. A key file that cannot be used keeps the keys in force; it is logged, not
      // thrown, so the other plugins still follow the reload (clients hear of changed servers).
      ctx.hooks.configChanged.tapPromise("api-key-auth", async (config) => {
        const file = keyFileOf(config);
        const keys = configured();
        if (!store && keys.length === 0 && !file) return;
        keyFile = file;
        watchKeyFile();
        const before = file?.digest;
        try {
          install(file ? merged(keys, file.file, await file.read()) : keys);
        } catch (error) {
          ctx.logger.error(
            { err: error as Error },
            `${(error as Error).message}; the keys read before stay in force until it is fixed`,
          );
          return;
        }
        if (file && file.digest !== before)
          ctx.logger.info(`API keys re-read from ${file.file}: ${store!.size} key${store!.size === 1 ? "" : "s"}`);
      });
      ctx.hooks.validate.tap("api-key-auth", (config, report) => {
        const file = config.settings.api_keys_file as string | undefined;
        // Read as the start will read it, so `validate` reports what `serve` would refuse.
        if (file !== undefined) {
          try {
            const written = (config.settings.api_keys as NamedApiKey[] | undefined) ?? [];
            const configured = config.settings.api_key ? [{ name: "default" }, ...written] : written;
            merged(
              configured,
              path.resolve(config.source.dir, file),
              KeyFile.readNow(path.resolve(config.source.dir, file)),
            );
          } catch (error) {
            report.error(["api_keys_file"], errorMessage(error));
          }
        }
        const names = new Set<string>(config.settings.api_key ? ["default"] : []);
        const servers = new Set(config.servers.map((server) => server.id));
        const tags = new Set(config.servers.flatMap((server) => server.tags));
        ((config.settings.api_keys as NamedApiKey[] | undefined) ?? []).forEach((key, index) => {
          if (names.has(key.name)) report.error(["api_keys", index, "name"], `Duplicate API key name: ${key.name}`);
          names.add(key.name);
          key.servers?.forEach((selector, at) => {
            const known = selector.startsWith("tag:") ? tags.has(selector.slice(4)) : servers.has(selector);
            if (!known)
              report.warn(
                ["api_keys", index, "servers", at],
                `API key '${key.name}' names ${selector.startsWith("tag:") ? `tag '${selector.slice(4)}', which no server has` : `server '${selector}', which is not configured`}`,
              );
          });
        });
      });
    },
  };
});

/** Whether the config asks for keys: then the authenticator is on, also while a key file lists none (nobody gets in unasked). */
function keysConfigured(config: GatewayConfig): boolean {
  const { api_key, api_keys, api_keys_file } = config.settings as {
    api_key?: string;
    api_keys?: readonly NamedApiKey[];
    api_keys_file?: string;
  };
  return Boolean(api_key) || (api_keys?.length ?? 0) > 0 || api_keys_file !== undefined;
}

/** The config's keys and the file's; a name in both is the file's mistake (the config's keys stay as they are). */
function merged<K extends Pick<NamedApiKey, "name">>(
  configured: readonly K[],
  file: string,
  fromFile: readonly NamedApiKey[],
) {
  const names = new Set(configured.map((key) => key.name));
  for (const key of fromFile) {
    if (names.has(key.name))
      throw new GatewayError("MCPGW_ERR_CONFIG", `api_keys_file ${file}: duplicate API key name: ${key.name}`, {
        plugin: "api-key-auth",
        key: "api_keys_file",
      });
    names.add(key.name);
  }
  return [...configured, ...fromFile];
}

/**
 * A key that was removed, or whose scopes or servers changed, loses its open sessions at once (SSE
 * streams included): they were opened with rights it no longer has. Its new requests are judged anew.
 */
function endStaleSessions(ctx: PluginContext, previous: KeyStore, next: KeyStore): void {
  const sessions = ctx.use(gatewayTokens.sessions);
  const stale = sessions.list().filter((info) => {
    if (!previous.principal(info.principal.id)) return false;
    const now = next.principal(info.principal.id);
    return !now || !sameRights(now, info.principal);
  });
  if (stale.length === 0) return;
  const names = [...new Set(stale.map((info) => info.principal.id))];
  ctx.logger.info(`Ending ${stale.length} session(s) of API keys removed or changed: ${names.join(", ")}`);
  for (const info of stale) void sessions.get(info.id)?.close();
}

function sameRights(a: Principal, b: Principal): boolean {
  return JSON.stringify([a.scopes, a.servers]) === JSON.stringify([b.scopes, b.servers]);
}

export default apiKeyAuthPlugin;
