import type { Context, Next } from "koa";
import { isLoopbackHost } from "./options.js";

/** The original's error body: `{"error": <reason phrase>, "message": ...}`. */
export function sendError(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.body = { error: reasonPhrase(status), message };
}

const PHRASES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? "Error";
}

/**
 * DNS-rebinding protection: a Host that is not a loopback name or the bound host, or an Origin
 * that is neither loopback nor configured, gets 403 before anything else runs.
 */
export function hostOriginGuard(boundHost: string, allowedOrigins: readonly string[]) {
  const anyOrigin = allowedOrigins.includes("*");
  const origins = new Set(allowedOrigins.map((origin) => origin.toLowerCase().replace(/\/$/, "")));
  return async (ctx: Context, next: Next) => {
    const host = hostName(ctx.get("host"));
    if (!host || !(isLoopbackHost(host) || host === boundHost.toLowerCase())) {
      return sendError(ctx, 403, `Host '${ctx.get("host")}' is not allowed`);
    }
    const origin = ctx.get("origin");
    if (origin && !anyOrigin && !origins.has(origin.toLowerCase()) && !isLoopbackOrigin(origin)) {
      return sendError(ctx, 403, `Origin '${origin}' is not allowed; add it to cors_origins`);
    }
    return next();
  };
}

/** What a browser MCP client sends beyond the simple headers: auth, MCP's own, and SSE resumption. */
const REQUEST_HEADERS =
  "Content-Type, Authorization, X-API-Key, X-Server-ID, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID";
/** What it must be able to read: the session id above all, without which no second request works. */
const RESPONSE_HEADERS = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate";

/**
 * CORS for every origin `hostOriginGuard` let through: it answers preflights itself (before auth,
 * which a preflight never carries) and lets browsers read every answer, errors included.
 */
export function corsHeaders() {
  return async (ctx: Context, next: Next) => {
    const origin = ctx.get("origin");
    if (!origin) return next();
    ctx.vary("Origin");
    ctx.set("Access-Control-Allow-Origin", origin);
    if (ctx.method === "OPTIONS" && ctx.get("access-control-request-method")) {
      ctx.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
      ctx.set("Access-Control-Allow-Headers", REQUEST_HEADERS);
      ctx.set("Access-Control-Max-Age", "3600");
      ctx.status = 204;
      return;
    }
    ctx.set("Access-Control-Expose-Headers", RESPONSE_HEADERS);
    return next();
  };
}

function hostName(header: string): string | undefined {
  if (!header) return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(header.trim());
  return (match?.[1] ?? match?.[2])?.toLowerCase();
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (
      (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ""))
    );
  } catch {
    return false;
  }
}
