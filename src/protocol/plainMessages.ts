import { isPlainObject } from "../kernel/plainObject.js";

/*
 * Messages of the common shapes, told without zod. The SDK validates every message it reads with its
 * zod schemas; on the tools/call path that is several parses per call of messages that are plainly
 * well-formed. These checks are stricter than the schemas (anything unusual is left to them), so a
 * message they accept is one the schema accepts unchanged.
 */

/** A JSON-RPC request with nothing unusual in it (see isPlainRequest). */
export interface PlainRequest {
  readonly jsonrpc: "2.0";
  readonly id: string | number;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

/**
 * Whether `message` is one JSON-RPC request that the SDK's request schema accepts as it is, told
 * without zod: `jsonrpc` "2.0", a string or safe-integer id, a string method, params (if any) an
 * object whose `_meta` (if any) holds at most a string or safe-integer `progressToken`, and no other
 * top-level key. Anything else (a task's metadata, an unknown key) is false: the SDK judges it.
 */
export function isPlainRequest(message: unknown): message is PlainRequest {
  if (!isPlainObject(message) || message.jsonrpc !== "2.0" || typeof message.method !== "string") return false;
  if (!isRequestId(message.id)) return false;
  for (const key in message)
    if (key !== "jsonrpc" && key !== "id" && key !== "method" && key !== "params") return false;
  if (message.params === undefined) return !("params" in message);
  if (!isPlainObject(message.params)) return false;
  const meta = message.params._meta;
  if (meta === undefined) return !("_meta" in message.params);
  if (!isPlainObject(meta)) return false;
  for (const key in meta) if (key !== "progressToken") return false;
  const token = meta.progressToken;
  return token === undefined || isRequestId(token);
}

/** A JSON-RPC result with nothing unusual in it (see isPlainResult). */
export interface PlainResult {
  readonly jsonrpc: "2.0";
  readonly id: string | number;
  readonly result: Record<string, unknown>;
}

/**
 * Whether `message` is one JSON-RPC result that the SDK's message schema accepts as it is: `jsonrpc`
 * "2.0", a string or safe-integer id, a result object without `_meta` (whose keys the schema checks),
 * and no other top-level key.
 */
export function isPlainResult(message: unknown): message is PlainResult {
  if (!isPlainObject(message) || message.jsonrpc !== "2.0" || !isRequestId(message.id)) return false;
  for (const key in message) if (key !== "jsonrpc" && key !== "id" && key !== "result") return false;
  return isPlainObject(message.result) && !("_meta" in message.result);
}

function isRequestId(value: unknown): value is string | number {
  return typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value));
}
