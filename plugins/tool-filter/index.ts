import {
  definePlugin,
  gatewayTokens,
  parsePluginOptions,
  refuse,
  type GatewayConfig,
  type ServerKey,
} from "open-mcp-gateway";
import { filterSchema, toolFilterPluginOptions, type FilterRules } from "./options.js";
import { CompiledRules } from "./rules.js";

const NAME = "tool-filter";
type Kind = "tools" | "prompts";

/**
 * What clients see of each server's tools and prompts: `allow` / `deny` globs and per-name
 * overrides (`tools:` and `prompts:` in a server entry; `disabledTools` of a desktop entry). It
 * works on the request pipeline only, so one rule holds on every path: lists lose what is hidden
 * and show the overrides, and calls to a hidden name are refused.
 */
export const toolFilterPlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions(NAME, toolFilterPluginOptions, options);
  return {
    name: NAME,
    apply(ctx) {
      const keys: Record<Kind, ServerKey<FilterRules>> = {
        tools: ctx.defineServerKey("tools", filterSchema),
        prompts: ctx.defineServerKey("prompts", filterSchema),
      };
      const compiled = new WeakMap<GatewayConfig, Map<string, CompiledRules>>();
      const rulesFor = (kind: Kind, server: string): CompiledRules | undefined => {
        const config = ctx.kernel.config;
        let byServer = compiled.get(config);
        if (!byServer) {
          byServer = new Map();
          for (const definition of config.servers) {
            for (const each of ["tools", "prompts"] as const) {
              const rules = keys[each].get(definition);
              if (rules) byServer.set(`${each}:${definition.id}`, new CompiledRules(rules));
            }
          }
          compiled.set(config, byServer);
        }
        return byServer.get(`${kind}:${server}`);
      };

      ctx.hooks.validate.tap(NAME, (config, report) => {
        for (const definition of config.servers) {
          for (const kind of ["tools", "prompts"] as const) {
            const rules = keys[kind].get(definition);
            for (const [original, override] of Object.entries(rules?.override ?? {})) {
              const clash = Object.entries(rules!.override).find(
                ([other, shown]) => other !== original && shown.name !== undefined && shown.name === override.name,
              );
              if (clash)
                report.error(
                  [...definition.origin.path, kind, "override", original, "name"],
                  `Two ${kind} of server '${definition.id}' are renamed to '${override.name}'`,
                );
            }
          }
        }
      });
      if (ctx.mode === "inspect") return;

      const hooks = ctx.use(gatewayTokens.requestHooks);
      const warned = new Set<string>();
      /** Override names a server's own tool already has: a call by that name is for that tool. */
      const shadowed = new Set<string>();
      const warnOnce = (key: string, fields: Record<string, unknown>, message: string) => {
        if (warned.has(key)) return;
        warned.add(key);
        ctx.logger.warn(fields, message);
      };
      // Both follow the rules in force: a reload's new rules are judged (and warned about) afresh.
      ctx.hooks.configChanged.tap(NAME, () => {
        warned.clear();
        shadowed.clear();
      });
      hooks.list.tap(NAME, (items, context) => {
        if (context.kind !== "tools" && context.kind !== "prompts") return items;
        const kind = context.kind;
        const originals = new Set(items.map((entry) => `${entry.server}\u0000${entry.original}`));
        return items.flatMap((entry) => {
          const rules = rulesFor(kind, entry.server);
          if (!rules) return [entry];
          if (rules.hiddenBecause(entry.original)) return [];
          const renamed = rules.rules.override[entry.original]?.name;
          // A new name that another of the server's own tools has would hide that tool: keep the backend's name.
          if (renamed !== undefined && renamed !== entry.original && originals.has(`${entry.server}\u0000${renamed}`)) {
            shadowed.add(`${kind}\u0000${entry.server}\u0000${renamed}`);
            warnOnce(
              `${kind}:${entry.server}:${entry.original}`,
              { server: entry.server },
              `${kind}.override renames '${entry.original}' to '${renamed}', which the server already has; the override's name is not used`,
            );
            return [{ ...entry, item: rules.shown(entry.item, entry.original, { keepName: true }) }];
          }
          return [{ ...entry, item: rules.shown(entry.item, entry.original) }];
        });
      });
      hooks.shape.tap(NAME, (request) => {
        const kind: Kind | undefined =
          request.method === "tools/call"
            ? "tools"
            : request.method === "prompts/get" ||
                (request.method === "completion/complete" && request.exposedName !== undefined)
              ? "prompts"
              : undefined;
        if (!kind || request.server === undefined || request.name === undefined) return;
        const rules = rulesFor(kind, request.server);
        if (!rules) return;
        if (!shadowed.has(`${kind}\u0000${request.server}\u0000${request.name}`))
          request.name = rules.original(request.name);
        const why = rules.hiddenBecause(request.name);
        if (why)
          refuse(
            `${kind === "tools" ? "Tool" : "Prompt"} '${request.exposedName}' of server '${request.server}' is not available: ${why === "deny" ? `${kind}.deny` : `not in ${kind}.allow`}`,
            -32602,
          );
      });
    },
  };
});

export default toolFilterPlugin;
