import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { isPlainRequest } from "open-mcp-gateway";
import type { SessionEventStore } from "./SessionEventStore.js";

/** What the SDK defaults a session's requests to when they carry no MCP-Protocol-Version header. */
const DEFAULT_VERSION = "2025-03-26";
/** The first version whose clients understand a priming event (empty data) and so can resume a stream. */
const RESUMABLE_VERSION = "2025-11-25";

/**
 * The parts of the SDK's web-standard transport a lean POST that turns into a stream registers with, so
 * that from then on the SDK itself writes, stores, replays (Last-Event-ID) and ends that stream.
 */
interface SdkStream {
  controller: { enqueue(chunk: Uint8Array): void; close(): void };
  encoder: { encode(text: string): Uint8Array };
  cleanup(): void;
}
interface SdkInternals {
  readonly _streamMapping: Map<string, SdkStream>;
  readonly _requestToStreamMapping: Map<RequestId, string>;
  readonly _resumableStreams: Set<string>;
  readonly _closed: boolean;
  readonly _retryInterval: number | undefined;
  close(): Promise<void>;
  startKeepAlive(controller: SdkStream["controller"], encoder: SdkStream["encoder"]): NodeJS.Timeout | undefined;
}

/** A lean POST waiting for the first message its request causes. */
interface Pending {
  readonly res: ServerResponse;
  readonly sessionId: string;
  readonly version: string;
}

interface Lane {
  readonly sdk: SdkInternals;
  readonly events: SessionEventStore;
  readonly pending: Map<RequestId, Pending>;
  readonly send: StreamableHTTPServerTransport["send"];
}

const lanes = new WeakMap<StreamableHTTPServerTransport, Lane | null>();

/**
 * A POST carrying one JSON-RPC request of an established Streamable HTTP session, without the SDK's
 * conversion to a web Request and an SSE stream for every answer: the request goes to the session's
 * protocol as the SDK would hand it over (same `extra`), and when the first message it causes is its
 * answer, that answer goes back as `application/json`. When a notification or a request related to it
 * comes first (progress, logging, sampling, elicitation), the POST becomes an SSE stream registered
 * with the SDK's transport, which then writes, stores and replays it as one of its own.
 * Anything else (initialize, batches, notifications, a header or body the SDK would refuse or treat
 * specially) returns false, untouched, for the SDK's own path.
 */
export function leanPost(
  req: IncomingMessage,
  res: ServerResponse,
  transport: StreamableHTTPServerTransport,
  events: SessionEventStore,
  message: unknown,
  supportedVersions: readonly string[],
): boolean {
  const sessionId = transport.sessionId;
  const lane = laneOf(transport, events);
  if (!lane || lane.sdk._closed || sessionId === undefined) return false;
  if (!isPlainRequest(message) || message.method === "initialize") return false;
  if (lane.pending.has(message.id) || lane.sdk._requestToStreamMapping.has(message.id)) return false;
  const headers = req.headers;
  const accept = headers.accept;
  if (accept === undefined || !prefersJson(accept)) return false;
  if (!isJson(headers["content-type"]) || headers["mcp-session-id"] !== sessionId || !headers.host) return false;
  const version = headers["mcp-protocol-version"];
  if (version !== undefined && (typeof version !== "string" || !supportedVersions.includes(version))) return false;
  const pending: Pending = { res, sessionId, version: version ?? DEFAULT_VERSION };
  lane.pending.set(message.id, pending);
  res.once("close", () => {
    if (lane.pending.get(message.id) === pending) lane.pending.delete(message.id);
  });
  const resumable = pending.version >= RESUMABLE_VERSION;
  const scheme = (req.socket as TLSSocket).encrypted ? "https" : "http";
  try {
    transport.onmessage?.(message, {
      authInfo: (req as { auth?: never }).auth,
      requestInfo: { headers: webHeaders(req), url: new URL(req.url ?? "/", `${scheme}://${headers.host}`) },
      closeSSEStream: resumable ? () => transport.closeSSEStream(message.id) : undefined,
      closeStandaloneSSEStream: resumable ? () => transport.closeStandaloneSSEStream() : undefined,
    });
  } catch (error) {
    // As the SDK answers a POST whose handing over failed.
    lane.pending.delete(message.id);
    transport.onerror?.(error as Error);
    const body = { jsonrpc: "2.0", error: { code: -32700, message: "Parse error", data: String(error) }, id: null };
    if (!res.headersSent) res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(body));
  }
  return true;
}

/**
 * The request the SDK's transport registered on stream `streamId` (it does so before it stores the
 * stream's priming event); undefined for a GET stream, or an SDK laid out differently.
 */
export function requestOnStream(transport: StreamableHTTPServerTransport, streamId: string): RequestId | undefined {
  const sdk = (transport as unknown as { _webStandardTransport?: Partial<SdkInternals> })._webStandardTransport;
  const mapping = sdk?._requestToStreamMapping;
  if (!(mapping instanceof Map)) return undefined;
  for (const [request, stream] of mapping) if (stream === streamId) return request;
  return undefined;
}

/** Wraps the transport's `send` once, so the messages a lean POST's request causes reach that POST. */
function laneOf(transport: StreamableHTTPServerTransport, events: SessionEventStore): Lane | null {
  const known = lanes.get(transport);
  if (known !== undefined) return known;
  const sdk = (transport as unknown as { _webStandardTransport?: Partial<SdkInternals> })._webStandardTransport;
  // An SDK whose transport is laid out differently keeps every POST on its own path.
  const usable =
    sdk?._streamMapping instanceof Map &&
    sdk._requestToStreamMapping instanceof Map &&
    sdk._resumableStreams instanceof Set &&
    typeof sdk.startKeepAlive === "function" &&
    typeof sdk.close === "function";
  const lane: Lane | null = usable
    ? { sdk: sdk as SdkInternals, events, pending: new Map(), send: transport.send.bind(transport) }
    : null;
  lanes.set(transport, lane);
  if (!lane) return lane;
  transport.send = (message, options) => route(lane, message, options);
  // Closing a request's stream (its request was cancelled, or a handler asks the client to poll) closes a
  // lean POST too: it becomes the stream it would have been, with its priming event, and ends.
  const closeSSEStream = transport.closeSSEStream.bind(transport);
  transport.closeSSEStream = (request) => {
    const pending = lane.pending.get(request);
    if (pending) {
      lane.pending.delete(request);
      toStream(lane, request, pending);
    }
    closeSSEStream(request);
  };
  // The session ends: its lean POSTs end as the SDK ends its streams, without an answer.
  const close = lane.sdk.close.bind(lane.sdk);
  lane.sdk.close = () => {
    for (const { res, sessionId } of lane.pending.values()) endEmpty(res, sessionId);
    lane.pending.clear();
    return close();
  };
  return lane;
}

function endEmpty(res: ServerResponse, sessionId: string): void {
  if (!res.headersSent) res.writeHead(200, streamHeaders(sessionId));
  res.end();
}

function route(lane: Lane, message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
  const answer = "id" in message && ("result" in message || "error" in message);
  const request = answer ? (message.id as RequestId) : options?.relatedRequestId;
  const pending = request === undefined ? undefined : lane.pending.get(request);
  if (pending === undefined) return lane.send(message, options);
  lane.pending.delete(request!);
  if (answer) {
    answerJson(pending, message);
    return Promise.resolve();
  }
  toStream(lane, request!, pending);
  return lane.send(message, options);
}

function answerJson({ res, sessionId }: Pending, message: JSONRPCMessage): void {
  if (res.destroyed) return;
  const body = JSON.stringify(message);
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "mcp-session-id": sessionId,
  });
  res.end(body);
}

/** The POST becomes the request's SSE stream, as the SDK would have opened it from the start. */
function toStream(lane: Lane, request: RequestId, { res, sessionId, version }: Pending): void {
  const streamId = randomUUID();
  res.writeHead(200, streamHeaders(sessionId));
  const controller: SdkStream["controller"] = {
    enqueue: (chunk) => {
      if (res.destroyed) throw new Error("The client closed the stream");
      res.write(chunk);
    },
    close: () => void res.end(),
  };
  const encoder = new TextEncoder();
  // Armed here, it first ticks long after the priming event below is written.
  const keepAlive = lane.sdk.startKeepAlive(controller, encoder);
  const stream: SdkStream = {
    controller,
    encoder,
    cleanup: () => {
      clearInterval(keepAlive);
      if (lane.sdk._streamMapping.get(streamId) === stream) lane.sdk._streamMapping.delete(streamId);
      res.end();
    },
  };
  lane.sdk._streamMapping.set(streamId, stream);
  lane.sdk._requestToStreamMapping.set(request, streamId);
  if (version >= RESUMABLE_VERSION) {
    const primingId = lane.events.prime(streamId, request);
    const retry = lane.sdk._retryInterval === undefined ? "" : `retry: ${lane.sdk._retryInterval}\n`;
    res.write(`id: ${primingId}\n${retry}data: \n\n`);
    lane.sdk._resumableStreams.add(streamId);
  }
  // The client went away: the stream is no longer this POST (a resume may register it again).
  res.once("close", () => {
    clearInterval(keepAlive);
    if (lane.sdk._streamMapping.get(streamId) === stream) lane.sdk._streamMapping.delete(streamId);
  });
}

/** The headers of the SDK's SSE answer to a POST. */
function streamHeaders(sessionId: string): OutgoingHttpHeaders {
  return {
    "content-type": "text/event-stream",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "mcp-session-id": sessionId,
  };
}

/**
 * Whether the client accepts both answers and prefers JSON: by q-value, then by the order it lists them
 * (SDK clients send `application/json, text/event-stream`). A client that puts the stream first gets it.
 */
function prefersJson(accept: string): boolean {
  let json: { at: number; q: number } | undefined;
  let stream: { at: number; q: number } | undefined;
  accept.split(",").forEach((range, at) => {
    const [type, ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const qParam = params.find((param) => param.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (type === "application/json") json ??= { at, q };
    else if (type === "text/event-stream") stream ??= { at, q };
  });
  if (!json || !stream || !(json.q > 0) || !(stream.q > 0)) return false;
  return json.q > stream.q || (json.q === stream.q && json.at < stream.at);
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.includes(",")) return false;
  return contentType.split(";", 1)[0]!.trim().toLowerCase() === "application/json";
}

/** The request's headers as the SDK's `requestInfo` has them (a web Headers object's entries). */
function webHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}
