import { isPlainObject } from "../config/substitute.js";

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
  const id = message.id;
  if (typeof id !== "string" && !(typeof id === "number" && Number.isSafeInteger(id))) return false;
  for (const key in message)
    if (key !== "jsonrpc" && key !== "id" && key !== "method" && key !== "params") return false;
  if (message.params === undefined) return !("params" in message);
  if (!isPlainObject(message.params)) return false;
  const meta = message.params._meta;
  if (meta === undefined) return !("_meta" in message.params);
  if (!isPlainObject(meta)) return false;
  for (const key in meta) if (key !== "progressToken") return false;
  const token = meta.progressToken;
  return token === undefined || typeof token === "string" || (typeof token === "number" && Number.isSafeInteger(token));
}
