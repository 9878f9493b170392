import type { Principal } from "../kernel/hooks.js";

/** An HTTP route a plugin adds to the gateway's HTTP frontend. */
export interface HttpRoute {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A koa-router path: `/audit`, `/things/:id`. */
  readonly path: string;
  /**
   * The scope a caller's key must hold (`admin` by default, `mcp`, or any scope name); `any`
   * takes any accepted key, `public` needs none. Host and Origin checks apply either way.
   */
  readonly scope?: string;
  /** Returns the JSON body (status 200 unless `reply.status` says otherwise). A GatewayError becomes the gateway's error body. */
  handler(request: HttpRouteRequest, reply: HttpReply): unknown | Promise<unknown>;
}

export interface HttpRouteRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly principal: Principal;
  /** The JSON body, within the frontend's `max_body_bytes`. */
  json(): Promise<unknown>;
}

export interface HttpReply {
  status(code: number): void;
  header(name: string, value: string): void;
}

/** The HTTP frontend's routes: add yours in `apply`, `configLoaded` or `beforeStart`; they are served once it listens. */
export interface HttpRoutes {
  add(route: HttpRoute): void;
}
