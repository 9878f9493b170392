import type { Context } from "koa";

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

/**
 * Reads and parses a JSON body, refusing a body over `limit` bytes before reading it when
 * Content-Length says so, and as soon as it passes the limit otherwise.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<BodyResult> {
  const declared = Number(ctx.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    ctx.set("Connection", "close");
    return {
      ok: false,
      status: 413,
      code: -32600,
      message: `Request body of ${declared} bytes is over the ${limit}-byte limit`,
    };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.set("Connection", "close");
      return { ok: false, status: 413, code: -32600, message: `Request body is over the ${limit}-byte limit` };
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, status: 400, code: -32700, message: `Parse error: ${(error as Error).message}` };
  }
}

/** A JSON-RPC error body (no id: the request could not be read or placed). */
export function sendRpcError(
  ctx: Context,
  status: number,
  code: number,
  message: string,
  id: unknown = null,
  data?: unknown,
): void {
  ctx.status = status;
  ctx.body = { jsonrpc: "2.0", id, error: { code, message, ...(data !== undefined && { data }) } };
}
