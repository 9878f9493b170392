import {
  GatewayError,
  secretMasker,
  type GatewayConfig,
  type HttpRoutes,
  type ServerDefinition,
  type ServerSnapshot,
  type ServerSupervisor,
} from "open-mcp-gateway";

const REDACTED = "[redacted]";

/** The original gateway's REST API: server list and detail (any key), start and stop (admin). */
export function addRestApi(routes: HttpRoutes, config: () => GatewayConfig, supervisor: () => ServerSupervisor): void {
  const definition = (id: string | undefined): ServerDefinition => {
    const server = config().servers.find((candidate) => candidate.id === id);
    if (!server) throw new GatewayError("MCPGW_ERR_SERVER_NOT_FOUND", `Server '${id}' not found`, { server: id });
    return server;
  };
  routes.add({
    method: "GET",
    path: "/servers",
    scope: "any",
    handler: ({ query }) => {
      const tag = typeof query.tag === "string" ? query.tag : undefined;
      return config()
        .servers.filter((server) => tag === undefined || server.tags.includes(tag))
        .map((server) => summary(server, supervisor().get(server.id)));
    },
  });
  routes.add({
    method: "GET",
    path: "/servers/:id",
    scope: "any",
    handler: ({ params }) => detail(definition(params.id), supervisor(), config()),
  });
  routes.add({
    method: "POST",
    path: "/servers/:id/start",
    handler: ({ params }) => supervisor().start(definition(params.id).id),
  });
  routes.add({
    method: "POST",
    path: "/servers/:id/stop",
    handler: ({ params }) => supervisor().stop(definition(params.id).id),
  });
}

/** The original's list entry; null fields are left out. */
function summary(server: ServerDefinition, state: ServerSnapshot): Record<string, unknown> {
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
    queued: state.queued,
    ...(started !== undefined && { uptime_seconds: Math.floor((Date.now() - started) / 1000) }),
    ...(state.retry_at && { retry_at: state.retry_at }),
    ...(state.last_error && { last_error: state.last_error }),
  };
}

/** The list entry plus the runtime (secrets redacted), the env's keys, and the pid while a local process runs. */
function detail(
  server: ServerDefinition,
  supervisor: ServerSupervisor,
  config: GatewayConfig,
): Record<string, unknown> {
  const state = supervisor.get(server.id);
  return {
    ...summary(server, state),
    runtime: redactRuntime(server.runtime, secretMasker(config.secrets)),
    env: Object.keys(server.env),
    connection_count: state.instances,
    ...(state.pid !== undefined && { pid: state.pid }),
  };
}

/** Header values, URL credentials and query values, and any value that came from the environment (an argument holding a token) are never shown. */
export function redactRuntime(
  runtime: ServerDefinition["runtime"],
  mask: (text: string) => string,
): Record<string, unknown> {
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
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskStrings(item, mask)]));
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
