import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  SERVER_INFO_META_KEY,
  type Client as ModernClient,
  type DiscoverResult,
} from "@modelcontextprotocol/client";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { PASS_INPUT_REQUIRED, RpcCode } from "open-mcp-gateway";
import * as z from "zod";

/** Results come back as sent, with the fields this SDK version does not know. */
const AsSent = z.looseObject({});
/** setTimeout's ceiling: the supervisor times every call itself and cancels through notifications/cancelled. */
const NO_SDK_TIMEOUT = 2 ** 31 - 1;
/** What a 2026-07-28 backend may ask of its client inside an `input_required` result. */
const INPUT_METHODS = ["elicitation/create", "sampling/createMessage", "roots/list"] as const;
/** The fields of a 2026-07-28 result a 2025 client has no word for. */
const MODERN_ONLY_FIELDS = ["resultType", "ttlMs", "cacheScope"] as const;

/**
 * The 2025-era MCP session the supervisor's client expects, played over a connected 2026-07-28 client:
 * the supervisor, the relay and every frontend keep one client interface whatever era a backend speaks.
 *
 * - `initialize` is answered from the backend's `server/discover` result; `ping` (gone in 2026-07-28)
 *   becomes a `server/discover`; `logging/setLevel` becomes the log level every later request carries.
 * - Every other request goes out statelessly, carrying the capabilities the gateway declared for this
 *   backend (the front client's), so the backend asks only for what the client can give (-32021 otherwise).
 * - An `input_required` result is fulfilled by the SDK through handlers that put each embedded
 *   elicitation, sampling or roots request to the supervisor's client as a 2025 server→client request:
 *   the relay answers it from the front session that made the call, and the SDK retries the call with
 *   the answers. A request whose `_meta` carries PASS_INPUT_REQUIRED gets the raw result instead.
 * - Progress and log messages on a request's stream reach the supervisor's client as notifications.
 */
export class ModernBackendTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #client: ModernClient;
  readonly #discover: DiscoverResult;
  /** What the supervisor's client declared in initialize; sent as this backend's client capabilities. */
  #capabilities: Record<string, unknown> = {};
  #logLevel?: string;
  /** Aborts for calls in flight, by the supervisor client's request id (notifications/cancelled). */
  readonly #calls = new Map<RequestId, AbortController>();
  /** Embedded input requests put to the supervisor's client, awaiting its answer. */
  readonly #asks = new Map<
    string,
    { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }
  >();
  #nextAsk = 0;
  #closed = false;

  constructor(client: ModernClient) {
    this.#client = client;
    this.#discover = client.getDiscoverResult()!;
  }

  async start(): Promise<void> {
    for (const method of INPUT_METHODS)
      this.#client.setRequestHandler(
        method,
        (request, ctx) =>
          this.#ask(method, request.params as Record<string, unknown> | undefined, ctx.mcpReq.signal) as never,
      );
    this.#client.fallbackNotificationHandler = async (notification) =>
      this.onmessage?.({ jsonrpc: "2.0", ...notification } as JSONRPCMessage);
    this.#client.onerror = (error) => this.onerror?.(error);
    this.#client.onclose = () => this.#ended();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if ("method" in message) {
      if ("id" in message) void this.#request(message);
      else if (message.method === "notifications/cancelled") {
        const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (requestId !== undefined) this.#calls.get(requestId)?.abort();
      }
      // notifications/initialized and roots/list_changed have no 2026-07-28 counterpart: nothing to send.
      return;
    }
    const ask = this.#asks.get(String(message.id));
    if (!ask) return;
    this.#asks.delete(String(message.id));
    if ("result" in message) ask.resolve(message.result as Record<string, unknown>);
    else if ("error" in message) ask.reject(Object.assign(new Error(message.error.message), message.error));
  }

  async close(): Promise<void> {
    await this.#client.close();
    this.#ended();
  }

  #ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ask of this.#asks.values()) ask.reject(new Error("the backend connection closed"));
    this.#asks.clear();
    this.onclose?.();
  }

  async #request(request: JSONRPCRequest): Promise<void> {
    try {
      this.#reply(request.id, { result: await this.#answer(request) });
    } catch (error) {
      const { code, message, data } = error as { code?: unknown; message?: string; data?: unknown };
      this.#reply(request.id, {
        error: {
          // The SDK's own failures (a timeout, a closed connection) carry string codes: they are internal errors here.
          code: typeof code === "number" ? code : RpcCode.InternalError,
          message: message ?? String(error),
          ...(data !== undefined && { data }),
        },
      });
    }
  }

  async #answer(request: JSONRPCRequest): Promise<Record<string, unknown>> {
    const params = (request.params ?? {}) as Record<string, unknown>;
    switch (request.method) {
      case "initialize":
        this.#capabilities = (params.capabilities as Record<string, unknown> | undefined) ?? {};
        return this.#initializeResult(params.protocolVersion as string);
      case "ping":
        await this.#client.discover({ timeout: NO_SDK_TIMEOUT });
        return {};
      case "logging/setLevel":
        this.#logLevel = params.level as string;
        return {};
    }
    const abort = new AbortController();
    this.#calls.set(request.id, abort);
    const {
      progressToken,
      [PASS_INPUT_REQUIRED]: passInputRequired,
      ...meta
    } = (params._meta ?? {}) as Record<string, unknown>;
    try {
      const result = (await this.#client.request(
        {
          method: request.method,
          params: {
            ...params,
            _meta: {
              ...meta,
              [CLIENT_CAPABILITIES_META_KEY]: this.#capabilities,
              ...(this.#logLevel !== undefined && { [LOG_LEVEL_META_KEY]: this.#logLevel }),
            },
          },
        },
        AsSent,
        {
          signal: abort.signal,
          timeout: NO_SDK_TIMEOUT,
          ...(passInputRequired === true && { allowInputRequired: true }),
          ...(progressToken !== undefined && {
            onprogress: (progress) =>
              this.onmessage?.({
                jsonrpc: "2.0",
                method: "notifications/progress",
                params: { ...progress, progressToken: progressToken as string | number },
              }),
          }),
        },
      )) as Record<string, unknown>;
      return passInputRequired === true ? result : asLegacyResult(result);
    } finally {
      this.#calls.delete(request.id);
    }
  }

  /** The 2025 initialize answer a 2026-07-28 backend would give, from its discover result. */
  #initializeResult(protocolVersion: string): Record<string, unknown> {
    const discover = this.#discover;
    const serverInfo = discover._meta?.[SERVER_INFO_META_KEY] ?? { name: "unnamed-server", version: "0" };
    return {
      protocolVersion,
      capabilities: discover.capabilities,
      serverInfo,
      ...(discover.instructions !== undefined && { instructions: discover.instructions }),
    };
  }

  /** One embedded input request, put to the supervisor's client as a 2025 server→client request. */
  #ask(
    method: string,
    params: Record<string, unknown> | undefined,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const id = `modern-input-${++this.#nextAsk}`;
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error("the backend connection closed"));
      this.#asks.set(id, { resolve, reject });
      signal.addEventListener("abort", () => {
        if (this.#asks.delete(id)) reject(signal.reason instanceof Error ? signal.reason : new Error("cancelled"));
      });
      this.onmessage?.({ jsonrpc: "2.0", id, method, ...(params && { params }) } as JSONRPCMessage);
    });
  }

  #reply(id: RequestId, answer: { result: Record<string, unknown> } | { error: Record<string, unknown> }): void {
    if (!this.#closed) this.onmessage?.({ jsonrpc: "2.0", id, ...answer } as JSONRPCMessage);
  }
}

/** A 2026-07-28 result as a 2025 backend would have sent it: without the fields only the new revision has. */
function asLegacyResult(result: Record<string, unknown>): Record<string, unknown> {
  const legacy = { ...result };
  for (const field of MODERN_ONLY_FIELDS) delete legacy[field];
  const meta = legacy._meta as Record<string, unknown> | undefined;
  if (meta && SERVER_INFO_META_KEY in meta) {
    const { [SERVER_INFO_META_KEY]: _serverInfo, ...rest } = meta;
    if (Object.keys(rest).length === 0) delete legacy._meta;
    else legacy._meta = rest;
  }
  return legacy;
}
