import { coreTokens, createToken } from "../di/tokens.js";
import type { RequestHooks } from "../mcp/hooks.js";
import type { McpSessions } from "../mcp/service.js";
import type { Authenticators } from "./auth.js";
import type { HttpRoutes } from "./httpRoutes.js";
import type { GatewayMetrics } from "./metrics.js";
import type { SessionRouting } from "./sessionRouting.js";
import type { ConfigReloader } from "./reload.js";

/**
 * The gateway's services, each resolved with `ctx.use(token)` (or `container.resolve`). Tokens
 * are `Symbol.for` ids, identical across copies of the package.
 */
export const gatewayTokens = {
  /** Backend lifecycle: start, stop, state, capabilities; from `configLoaded` on. */
  supervisor: coreTokens.supervisor,
  /**
   * The gateway's secrets and the masking of them: `text(s)`, `value(json)`, `url(s)`, and `add(values)`
   * for secrets a plugin holds (keys it loads). Available in `apply`; the plugin's logger applies it already.
   */
  redactor: coreTokens.redactor,
  /** The request pipeline's hooks; available in `apply`. */
  requestHooks: createToken<RequestHooks>("mcp.requestHooks"),
  /** Client sessions and pass-through (frontends); from `configLoaded` on, not in `inspect` mode. */
  sessions: createToken<McpSessions>("mcp.sessions"),
  /** Register authenticators here; available in `apply`. */
  authenticators: createToken<Authenticators>("core.authenticators"),
  /** HTTP routes under the gateway's auth, Host checks and error format (the http-frontend plugin); available in `apply`. */
  httpRoutes: createToken<HttpRoutes>("http-frontend.routes"),
  /** Optional: where HTTP sessions live across replicas (the cluster plugin); provide it by `configLoaded`. */
  sessionRouting: createToken<SessionRouting>("http-frontend.sessionRouting"),
  /** Metric families for `/metrics` and sections of `/stats` a plugin adds (shown by the stats plugin); available in `apply`. */
  metrics: createToken<GatewayMetrics>("core.metrics"),
  /** Reloads the config while running (hot reload, SIGHUP, /admin/reload); from `beforeStart` on, not in `inspect` mode. */
  reloader: createToken<ConfigReloader>("core.reloader"),
} as const;
