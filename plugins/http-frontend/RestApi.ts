import {
  GatewayError,
  redactRuntime,
  type GatewayConfig,
  type HttpRoutes,
  type Redactor,
  type ServerDefinition,
  type ServerSnapshot,
  type ServerSupervisor,
} from "open-mcp-gateway";

/** The original gateway's REST API: server list and detail (any key), start and stop (admin). */
export function addRestApi(
  routes: HttpRoutes,
  config: () => GatewayConfig,
  supervisor: () => ServerSupervisor,
  redactor: Redactor,
): void {
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
    handler: ({ params }) => detail(definition(params.id), supervisor(), redactor),
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
    ...(started !== undefined && { uptime_seconds: Math.floor((Date.now() - started) / 1000) }),
    ...(state.retry_at && { retry_at: state.retry_at }),
    ...(state.last_error && { last_error: state.last_error }),
  };
}

/** The list entry plus the runtime (secrets redacted), the env's keys, and the pid while a local process runs. */
function detail(server: ServerDefinition, supervisor: ServerSupervisor, redactor: Redactor): Record<string, unknown> {
  const state = supervisor.get(server.id);
  return {
    ...summary(server, state),
    runtime: redactRuntime(server.runtime, redactor),
    env: Object.keys(server.env),
    connection_count: state.instances,
    ...(state.pid !== undefined && { pid: state.pid }),
  };
}
