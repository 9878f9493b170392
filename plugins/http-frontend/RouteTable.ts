import type Router from "@koa/router";
import type { Context, Middleware } from "koa";
import { GatewayError, type HttpRoute, type HttpRoutes, type Principal } from "open-mcp-gateway";
import { readJsonBody, type BodyLimits } from "./body.js";
import { sendError } from "./guards.js";
import { httpStatusOf } from "./PassThrough.js";

/** Routes plugins add (the built-in REST API among them), served under the gateway's auth, Host checks and error format. */
export class RouteTable implements HttpRoutes {
  readonly #routes: HttpRoute[] = [];
  #installed = false;

  add(route: HttpRoute): void {
    if (this.#installed)
      throw new GatewayError(
        "MCPGW_ERR_LIFECYCLE",
        `HTTP route ${route.method} ${route.path} was added after the HTTP frontend started listening; add routes in apply, configLoaded or beforeStart`,
        { plugin: "http-frontend" },
      );
    this.#routes.push(route);
  }

  /** `guard(scope)` authenticates and checks the scope before a route's handler runs. */
  install(router: Router, guard: (scope: string) => Middleware, limits: BodyLimits): void {
    this.#installed = true;
    for (const route of this.#routes) {
      const method = route.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete";
      router[method](route.path, guard(route.scope ?? "admin"), (ctx) => serve(ctx, route, limits));
    }
  }
}

async function serve(ctx: Context, route: HttpRoute, limits: BodyLimits): Promise<void> {
  const request = {
    method: ctx.method,
    path: ctx.path,
    params: { ...(ctx.params as Record<string, string>) },
    query: ctx.query,
    headers: ctx.headers,
    principal: ctx.state.principal as Principal,
    json: async () => {
      const body = await readJsonBody(ctx, limits);
      if (!body.ok) throw new BodyError(body.status, body.message);
      return body.value;
    },
  };
  let status: number | undefined;
  const reply = {
    status: (code: number) => void (status = code),
    header: (name: string, value: string) => ctx.set(name, value),
  };
  try {
    const body = await route.handler(request, reply);
    ctx.body = body === undefined ? "" : body;
    if (status !== undefined) ctx.status = status;
  } catch (error) {
    if (error instanceof BodyError) return sendError(ctx, error.status, error.message);
    if (!(error instanceof GatewayError)) throw error;
    sendError(ctx, ...httpStatusOf(error));
  }
}

/** A body that could not be read (too large, not JSON): its own status. */
class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
