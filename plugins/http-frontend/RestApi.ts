import type Router from "@koa/router";
import type { Context } from "koa";
import type { ServerDefinition } from "../../src/config/model.js";
import type { Kernel } from "../../src/kernel/Kernel.js";
import { GatewayError } from "../../src/kernel/errors.js";
import type { ServerSnapshot, Supervisor } from "../../src/supervisor/Supervisor.js";
import { secretMasker } from "../../src/config/secrets.js";
import { isPlainObject } from "../../src/config/substitute.js";
import { readJsonBody } from "./body.js";
import { sendError } from "./guards.js";
import { httpStatusOf, type PassThrough } from "./PassThrough.js";

const REDACTED = "[redacted]";

/** The original gateway's REST API: server list and detail, start/stop, and the `/rpc` pass-through. */
export class RestApi {
  constructor(
    private readonly kernel: Kernel,
    private readonly supervisor: Supervisor,
    private readonly passThrough: PassThrough,
    private readonly maxBodyBytes: number,
  ) {}

  install(router: Router): void {
    router.get("/servers", (ctx) => {
      const tag = typeof ctx.query.tag === "string" ? ctx.query.tag : undefined;
      ctx.body = this.kernel.config.servers.filter((server) => tag === undefined || server.tags.includes(tag)).map((server) => this.#summary(server));
    });
    router.get("/servers/:id", (ctx) => {
      const server = this.#definition(ctx);
      if (server) ctx.body = this.#detail(server);
    });
    router.post("/servers/:id/start", (ctx) => this.#admin(ctx, (id) => this.supervisor.start(id)));
    router.post("/servers/:id/stop", (ctx) => this.#admin(ctx, (id) => this.supervisor.stop(id)));
    router.post("/rpc", async (ctx) => {
      const serverId = ctx.get("x-server-id");
      if (!serverId) return sendError(ctx, 400, "X-Server-ID header required");
      const body = await readJsonBody(ctx, this.maxBodyBytes);
      if (!body.ok) return sendError(ctx, body.status, body.message);
      if (!isPlainObject(body.value)) return sendError(ctx, 400, "The body must be one JSON-RPC message");
      return this.passThrough.handle(ctx, serverId, body.value);
    });
  }

  #definition(ctx: Context): ServerDefinition | undefined {
    const server = this.kernel.config.servers.find((candidate) => candidate.id === ctx.params.id);
    if (!server) sendError(ctx, 404, `Server '${ctx.params.id}' not found`);
    return server;
  }

  async #admin(ctx: Context, action: (id: string) => Promise<unknown>): Promise<void> {
    if (!this.#definition(ctx)) return;
    try {
      ctx.body = await action(ctx.params.id!);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      sendError(ctx, ...httpStatusOf(error));
    }
  }

  /** The original's list entry; null fields are left out. */
  #summary(server: ServerDefinition): Record<string, unknown> {
    const state: ServerSnapshot = this.supervisor.get(server.id);
    const started = state.started_at ? Date.parse(state.started_at) : undefined;
    return {
      id: server.id,
      display_name: server.display_name,
      ...(server.description !== undefined && { description: server.description }),
      status: state.status,
      tags: server.tags,
      runtime_type: server.runtime.type,
      ...(state.started_at && { started_at: state.started_at }),
      ...(state.last_activity && { last_activity: state.last_activity }),
      request_count: state.request_count,
      error_count: state.error_count,
      restarts: state.restarts,
      in_flight: state.in_flight,
      ...(started !== undefined && { uptime_seconds: Math.floor((Date.now() - started) / 1000) }),
      ...(state.retry_at && { retry_at: state.retry_at }),
      ...(state.last_error && { last_error: state.last_error }),
    };
  }

  /** The list entry plus the runtime (secrets redacted), the env's keys, and the pid while a local process runs. */
  #detail(server: ServerDefinition): Record<string, unknown> {
    const state = this.supervisor.get(server.id);
    return {
      ...this.#summary(server),
      runtime: redactRuntime(server.runtime, secretMasker(this.kernel.config.secrets)),
      env: Object.keys(server.env),
      connection_count: state.instances,
      ...(state.pid !== undefined && { pid: state.pid }),
    };
  }
}

/** Header values, URL credentials and query values, and any value that came from the environment (an argument holding a token) are never shown. */
export function redactRuntime(runtime: ServerDefinition["runtime"], mask: (text: string) => string): Record<string, unknown> {
  const out = maskStrings(runtime, mask) as Record<string, unknown>;
  if (runtime.headers && typeof runtime.headers === "object") {
    out.headers = Object.fromEntries(Object.keys(runtime.headers).map((key) => [key, REDACTED]));
  }
  if (typeof runtime.url === "string") out.url = redactUrl(runtime.url);
  return out;
}

function maskStrings(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === "string") return mask(value);
  if (Array.isArray(value)) return value.map((item) => maskStrings(item, mask));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskStrings(item, mask)]));
  return value;
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username) url.username = REDACTED;
    if (url.password) url.password = REDACTED;
    for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, REDACTED);
    return url.toString();
  } catch {
    return REDACTED;
  }
}
