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

/** Who may reach the gateway from where: Host names besides loopback, and browser origins. */
export interface WebAccess {
  /** The address listened on: a Host naming it is accepted. */
  readonly boundHost: string;
  /** `allowed_hosts`: names (`*.example.com` for subdomains, `*` for any). */
  readonly allowedHosts: readonly string[];
  /** `cors_origins` (empty when `cors_enabled` is false); `*` for any. */
  readonly origins: readonly string[];
  /** Whether a key is required: loopback origins are let in only then (a web page would also need the key). */
  readonly keyRequired: () => boolean;
}

/**
 * DNS-rebinding and cross-site protection, before anything else runs: a Host that is not loopback,
 * the bound address or in `allowed_hosts` gets 403, and so does a browser's Origin that is not the
 * gateway's own, not configured, and (with no key required) not even loopback: any page on this
 * machine could otherwise start servers and call tools.
 */
export function hostOriginGuard(access: WebAccess) {
  const anyOrigin = access.origins.includes("*");
  const origins = new Set(access.origins.map((origin) => origin.toLowerCase().replace(/\/$/, "")));
  const hosts = access.allowedHosts.map((host) => host.toLowerCase().replace(/^\[|\]$|\.$/g, ""));
  const hostAllowed = (host: string) =>
    isLoopbackHost(host) ||
    host === access.boundHost.toLowerCase() ||
    hosts.some(
      (allowed) => allowed === "*" || allowed === host || (allowed.startsWith("*.") && host.endsWith(allowed.slice(1))),
    );
  return async (ctx: Context, next: Next) => {
    const host = hostName(ctx.get("host"));
    if (!host || !hostAllowed(host)) {
      return sendError(ctx, 403, `Host '${ctx.get("host")}' is not allowed; add it to allowed_hosts`);
    }
    const origin = ctx.get("origin");
    if (
      origin &&
      !anyOrigin &&
      !origins.has(origin.toLowerCase()) &&
      !isSameOrigin(origin, ctx.get("host")) &&
      !(access.keyRequired() && isLoopbackOrigin(origin))
    ) {
      return sendError(ctx, 403, `Origin '${origin}' is not allowed; add it to cors_origins`);
    }
    return next();
  };
}

/**
 * What a browser MCP client sends beyond the simple headers: auth, MCP's own of both eras (the
 * 2026-07-28 revision mirrors the method and the tool, prompt or resource name in headers), and SSE
 * resumption.
 */
const REQUEST_HEADERS =
  "Content-Type, Authorization, X-API-Key, X-Server-ID, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID";
/** What it must be able to read: the session id above all, without which no second request works. */
const RESPONSE_HEADERS = "Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, WWW-Authenticate";

/**
 * The `Mcp-Param-<Name>` headers a preflight asks for (2026-07-28 clients mirror `x-mcp-header` tool
 * arguments into them): CORS has no prefix wildcard, so each named one is allowed as asked.
 */
function paramHeaders(requested: string): string[] {
  return requested
    .split(",")
    .map((name) => name.trim())
    .filter((name) => /^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name));
}

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
      ctx.set(
        "Access-Control-Allow-Headers",
        [REQUEST_HEADERS, ...paramHeaders(ctx.get("access-control-request-headers"))].join(", "),
      );
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

/** A page the gateway itself served (a plugin's UI): its origin is the Host it was asked under. */
function isSameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * The well-known and default paths of OAuth discovery and registration that MCP clients try after a
 * 401. This gateway has none, and says so in the 404: that ends a client's OAuth attempt at once with
 * the reason, where a bare 404 or a 401 left clients guessing or waiting for a browser sign-in.
 */
const OAUTH_PATHS =
  /^\/(?:\.well-known\/(?:oauth-protected-resource|oauth-authorization-server|openid-configuration)(?:\/.*)?|register|authorize|token|.+\/\.well-known\/openid-configuration)$/;

export const NO_OAUTH_MESSAGE =
  "API key required: this gateway does not use OAuth; send its API key as Authorization: Bearer <key> or X-API-Key: <key>";

/** A 404 for a path nothing serves; the OAuth paths say that an API key is what is needed (`error_description`: OAuth clients show it). */
export function sendNotFound(ctx: Context, keyRequired: boolean): void {
  if (keyRequired && OAUTH_PATHS.test(ctx.path)) {
    ctx.status = 404;
    ctx.body = { error: reasonPhrase(404), message: NO_OAUTH_MESSAGE, error_description: NO_OAUTH_MESSAGE };
    return;
  }
  sendError(ctx, 404, `No route for ${ctx.method} ${ctx.path}`);
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
