import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Context } from "koa";
import { JsonShapeScan } from "./JsonShapeScan.js";

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

/** The http-frontend options a body is read within. */
export interface BodyLimits {
  readonly max_body_bytes: number;
  readonly max_json_depth: number;
  readonly max_json_values: number;
}

/** What of a refused body is read and dropped after its answer, waiting for the client to finish sending it. */
const DRAIN_MS = 5_000;
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * How long a connection still sending a refused body past the drain stays half-open: the client
 * reads the answer (a socket closed on unread data would reset and lose it), then closes its side.
 */
const LINGER_MS = 5_000;

/**
 * Reads and parses a JSON body. A body over `max_body_bytes` is refused before it is read when
 * Content-Length says so, and as soon as it passes the limit otherwise; one nested deeper than
 * `max_json_depth` or holding more than `max_json_values` as soon as the byte that passes the limit
 * arrives, before anything parses it.
 * A refused body's rest is read and dropped, so the client receives its answer.
 */
export async function readJsonBody(ctx: Context, limits: BodyLimits): Promise<BodyResult> {
  const { max_body_bytes: limit, max_json_depth: maxDepth, max_json_values: maxValues } = limits;
  const declared = Number(ctx.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    discardRest(ctx);
    return refused(
      413,
      `Request body of ${declared} bytes is over the ${limit}-byte limit (http-frontend max_body_bytes)`,
    );
  }
  const read = await collect(ctx.req, limit, new JsonShapeScan({ maxDepth, maxValues }));
  switch (read) {
    case "too large":
      discardRest(ctx);
      return refused(413, `Request body is over the ${limit}-byte limit (http-frontend max_body_bytes)`);
    case "too deep":
      discardRest(ctx);
      return refused(
        400,
        `Request body nests JSON deeper than ${maxDepth} levels (http-frontend max_json_depth): send flatter JSON`,
      );
    case "too many values":
      discardRest(ctx);
      return refused(
        400,
        `Request body holds more than ${maxValues} JSON values (http-frontend max_json_values): send fewer, larger values (a string, base64) or raise the option`,
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
  scan: JsonShapeScan,
): Promise<Buffer[] | "too large" | "too deep" | "too many values" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer[] | "too large" | "too deep" | "too many values" | "aborted") => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish("too large");
      const passed = scan.push(chunk);
      if (passed !== undefined) return finish(passed);
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
 * The client may still be sending a refused body. Closing on its unread bytes would reset the
 * connection and the client would lose the answer (what clients reported as ECONNRESET or EPIPE).
 * So its bytes are read and dropped until it ends, within DRAIN_MS and DRAIN_BYTES after the answer;
 * a body still coming then gets a lingering close. The answer says keep-alive even to a client that
 * asked for Connection: close, because Node closes such a connection the moment the answer is out.
 */
function discardRest(ctx: Context): void {
  const { req, res } = ctx;
  if (req.complete) return;
  ctx.set("Connection", "keep-alive");
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(timer);
    req.off("data", count);
    req.off("end", stop);
  };
  const giveUp = () => {
    stop();
    if (!req.complete) lingeringClose(req.socket);
  };
  const count = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_BYTES && res.writableFinished) giveUp();
  };
  req.on("data", count);
  req.once("end", stop);
  req.resume();
  res.once("finish", () => {
    if (req.complete) return;
    if (dropped > DRAIN_BYTES) return giveUp();
    timer = setTimeout(giveUp, DRAIN_MS);
    timer.unref();
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
