import path from "node:path";
import { definePlugin, gatewayTokens, parsePluginOptions, Stage } from "open-mcp-gateway";
import { z } from "zod";
import { AuditLog, auditEntry } from "./AuditLog.js";

export type { AuditEntry } from "./AuditLog.js";

const NAME = "audit-log";
/** Kept in step with package.json (the test checks), so the factory reads no file. */
export const meta = { name: "mcpgw-plugin-audit-log", version: "1.0.0" } as const;

export const auditLogOptions = z.strictObject({
  /** The JSON Lines file, relative to the gateway's working directory or absolute; its folder is created. */
  file: z.string().min(1),
});

export type AuditLogOptions = z.input<typeof auditLogOptions>;

/**
 * One JSON line per `tools/call`, whichever frontend it came through (Streamable HTTP, SSE, stdio,
 * pass-through), refused calls included; `GET /audit` (admin) returns the latest 100 entries.
 */
export const auditLogPlugin = definePlugin((rawOptions: AuditLogOptions) => {
  const options = parsePluginOptions(NAME, auditLogOptions, rawOptions);
  return {
    name: NAME,
    meta,
    apply(ctx) {
      // validate, plugins, servers: nothing runs, so nothing to record and no file to open.
      if (ctx.mode === "inspect") return;
      const log = new AuditLog(path.resolve(options.file), ctx.logger);

      // The gateway's secrets (values from ${VAR}, API keys, ...) are masked in what the client chose (the tool name).
      const redactor = ctx.use(gatewayTokens.redactor);
      const mask = (text: string) => redactor.text(text);

      // Every request's end, on every frontend, refused or not: keep the tool calls.
      ctx.use(gatewayTokens.requestHooks).outcome.tap(NAME, (request, outcome) => {
        if (request.method === "tools/call") log.write(auditEntry(request, outcome, mask));
      });

      // Once every plugin is applied: the HTTP frontend's route table exists unless it is turned off.
      ctx.hooks.initialize.tap(NAME, () => {
        if (!ctx.container.isRegistered(gatewayTokens.httpRoutes, true)) {
          ctx.logger.warn("The http-frontend plugin is off: GET /audit is not served");
          return;
        }
        ctx
          .use(gatewayTokens.httpRoutes)
          .add({ method: "GET", path: "/audit", scope: "admin", handler: () => log.recent() });
      });

      ctx.hooks.beforeStart.tapPromise(NAME, async () => {
        await log.open();
        ctx.logger.info(`Audit log: ${log.file}`);
      });
      // After every other plugin's shutdown (frontends close their sessions there), so their last calls are written too.
      ctx.hooks.shutdown.tapPromise({ name: NAME, stage: Stage.LAST }, () => log.close());
    },
  };
});

export default auditLogPlugin;
