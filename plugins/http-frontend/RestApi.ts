import {
  GatewayError,
  mayUseServer,
  redactRuntime,
  type GatewayConfig,
  type HttpRoutes,
  type Principal,
  type Redactor,
  type ServerDefinition,
  type ServerSnapshot,
  type ServerSupervisor,
} from "open-mcp-gateway";

/**
 * The original gateway's REST API: server list and detail (any key), start and stop (admin). A key
 * limited to some `servers` sees only those: the others are left out of the list and 404 elsewhere.
 */
export function addRestApi(
  routes: HttpRoutes,
  config: () => GatewayConfig,
  supervisor: () => ServerSupervisor,
  redactor: Redactor,
): void {
  const definition = (id: string | undefined, principal: Principal): ServerDefinition => {
    const server = config().servers.find((candidate) => candidate.id === id);
    if (!server || !mayUseServer(principal, server))
      throw new GatewayError("MCPGW_ERR_SERVER_NOT_FOUND", `Server '${id}' not found`, { server: id });
    return server;
  };
  routes.add({
    method: "GET",
    path: "/servers",
    scope: "any",
    handler: ({ query, principal }) => {
      const tag = typeof query.tag === "string" ? query.tag : undefined;
      return config()
        .servers.filter((server) => (tag === undefined || server.tags.includes(tag)) && mayUseServer(principal, server))
        .map((server) => summary(server, supervisor().get(server.id)));
    },
  });
  routes.add({
    method: "GET",
    path: "/servers/:id",
    scope: "any",
    handler: ({ params, principal }) => detail(definition(params.id, principal), supervisor(), redactor),
  });
  routes.add({
    method: "POST",
    path: "/servers/:id/start",
    handler: ({ params, principal }) => supervisor().start(definition(params.id, principal).id),
  });
  routes.add({
    method: "POST",
    path: "/servers/:id/stop",
    handler: ({ params, principal }) => supervisor().stop(definition(params.id, principal).id),
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
