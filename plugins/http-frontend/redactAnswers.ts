import { Stream } from "node:stream";
import type { Middleware } from "koa";
import type { Redactor } from "open-mcp-gateway";

/**
 * Every answer koa writes (the REST API, plugins' routes, every error body) goes out through the
 * redactor. A JSON-RPC result (pass-through) is the backend's answer to its client and passes as
 * is, as it does on /mcp; errors never do.
 */
export function redactAnswers(redactor: Redactor): Middleware {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (typeof body === "string") ctx.body = redactor.text(body);
    else if (isJson(body) && !isRpcResult(body)) ctx.body = redactor.value(body);
  };
}

function isJson(body: unknown): body is object {
  return body !== null && typeof body === "object" && !Buffer.isBuffer(body) && !(body instanceof Stream);
}

function isRpcResult(body: object): boolean {
  return "jsonrpc" in body && "result" in body;
}
