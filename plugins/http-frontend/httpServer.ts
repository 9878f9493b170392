import http from "node:http";
import type { Context, Next } from "koa";
import { sendError } from "./guards.js";
import type { HttpFrontendSettings } from "./options.js";

/** How often, at most, the server looks for requests past their headers or receive timeout (Node's default is 30 s). */
const TIMEOUT_CHECK_MS = 1_000;

/**
 * The HTTP server under koa, with the limits slow or greedy clients meet: a request's headers, and the
 * whole request, must arrive in time (else 408 and the socket closes); an idle keep-alive connection
 * closes; past `max_connections` a new connection is closed at once. Answers are not timed: an SSE
 * stream or a long call's answer lasts as long as it needs once its request has arrived.
 */
export function createHttpServer(settings: HttpFrontendSettings, listener: http.RequestListener): http.Server {
  const requestTimeout = settings.receive_timeout_seconds * 1000;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(settings.headers_timeout_seconds * 1000, requestTimeout);
  const server = http.createServer(
    { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, headersTimeout) },
    listener,
  );
  server.keepAliveTimeout = settings.keep_alive_timeout_seconds * 1000;
  server.maxConnections = settings.max_connections;
  return server;
}

/**
 * koa-router's allowedMethods turns an unrouted request's 404 into 405 (the path exists with other
 * methods) or 501 (a method no route has) after the fact: the body then gets the matching phrase.
 */
export async function methodNotAllowed(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 405)
    sendError(ctx, 405, `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get("Allow")}`);
  else if (ctx.status === 501) sendError(ctx, 501, `The ${ctx.method} method is not implemented`);
}
