import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Context } from "koa";
import { JsonDepthScan } from "./JsonDepthScan.js";

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

/** The http-frontend options a body is read within. */
export interface BodyLimits {
  readonly max_body_bytes: number;
  readonly max_json_depth: number;
}

/**
 * What of a refused body is read and dropped before the answer goes out: clients that send their
 * whole request before reading (and any that asked for Connection: close, which Node honours by
 * closing right after the answer) only receive an answer sent after the body. Past these, the answer
 * goes out at once and the connection lingers instead.
 */
const DRAIN_MS = 5_000;
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * How long a connection still sending a refused body after its answer stays half-open: the client
 * reads the answer (a socket closed on unread data would reset and lose it), then closes its side.
 */
const LINGER_MS = 5_000;

/**
 * Reads and parses a JSON body. A body over `max_body_bytes` is refused before it is read when
 * Content-Length says so, and as soon as it passes the limit otherwise; one nested deeper than
 * `max_json_depth` as soon as the byte that passes the limit arrives, before anything parses it.
 * A refused body's rest is read and dropped, so the client receives its answer.
 */
export async function readJsonBody(ctx: Context, limits: BodyLimits): Promise<BodyResult> {
  const { max_body_bytes: limit, max_json_depth: maxDepth } = limits;
  const declared = Number(ctx.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await dropRest(ctx, declared);
    return refused(
      413,
      `Request body of ${declared} bytes is over the ${limit}-byte limit (http-frontend max_body_bytes)`,
    );
  }
  const read = await collect(ctx.req, limit, new JsonDepthScan(maxDepth));
  switch (read) {
    case "too large":
      await dropRest(ctx, declared);
      return refused(413, `Request body is over the ${limit}-byte limit (http-frontend max_body_bytes)`);
    case "too deep":
      await dropRest(ctx, declared);
      return refused(
        400,
        `Request body nests JSON deeper than ${maxDepth} levels (http-frontend max_json_depth): send flatter JSON`,
      );
    case "aborted":
      return refused(400, "Request body incomplete: the client closed the connection");
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(read).toString("utf8")) };
  } catch (error) {
    return { ok: false, status: 400, code: -32700, message: `Parse error: ${(error as Error).message}` };
  }
}

function refused(status: number, message: string): BodyResult {
  return { ok: false, status, code: -32600, message };
}

/** The body's chunks, or why reading stopped: each chunk is measured and scanned as it arrives. */
function collect(
  req: IncomingMessage,
  limit: number,
  scan: JsonDepthScan,
): Promise<Buffer[] | "too large" | "too deep" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer[] | "too large" | "too deep" | "aborted") => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish("too large");
      if (!scan.push(chunk)) return finish("too deep");
      chunks.push(chunk);
    };
    const onEnd = () => finish(chunks);
    const onClose = () => finish(req.complete ? chunks : "aborted");
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("close", onClose);
  });
}

/**
 * The client may still be sending a refused body: its bytes are read and dropped (unread bytes on a
 * closing socket make it send a reset, and the client loses the answer: what clients reported as
 * ECONNRESET or EPIPE) until it ends, within DRAIN_MS and DRAIN_BYTES. A body still coming after that
 * keeps being dropped, and its connection half-closes after the answer and lingers.
 */
function dropRest(ctx: Context, declared: number): Promise<void> {
  const { req, res } = ctx;
  req.resume();
  if (req.complete) return Promise.resolve();
  return new Promise((resolve) => {
    let dropped = 0;
    const timer = setTimeout(() => done(), DRAIN_MS);
    const count = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DRAIN_BYTES) done();
    };
    const done = () => {
      clearTimeout(timer);
      req.off("data", count);
      req.off("end", done);
      req.off("close", done);
      if (!req.complete) res.once("finish", () => lingeringClose(req.socket));
      resolve();
    };
    if (Number.isFinite(declared) && declared > DRAIN_BYTES) return done();
    req.on("data", count);
    req.once("end", done);
    req.once("close", done);
  });
}

function lingeringClose(socket: Socket): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
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
