import type http from "node:http";
import { text } from "node:stream/consumers";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { JSONRPCMessageSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { isPlainResult } from "open-mcp-gateway";
import { isEventStream, sendRequest, singleAnswer, toResponse } from "./nodeFetch.js";
import { traceHeadersOf } from "./traceHeaders.js";

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;
type SendOptions = Parameters<StreamableHTTPClientTransport["send"]>[1];

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * A message as the SDK's message schema returns it; a plain result (a call's answer, nearly always)
 * without running the schema, which would accept it unchanged (isPlainResult is stricter).
 */
const schemaChecked = (message: unknown): JSONRPCMessage =>
  isPlainResult(message) ? message : JSONRPCMessageSchema.parse(message);

/**
 * The SDK's Streamable HTTP client transport, with a lean path for the requests of an established
 * session (every `tools/call`): the POST goes straight out on `node:http` with headers made once, and
 * an answer that is plain JSON, or an SSE stream holding only the answer, is parsed once and validated
 * with the SDK's message schema, as the SDK would. No `Headers`, `Response`, web stream, text decoder
 * or SSE parser is made for it, and no abort listener (requests in flight are ended on close instead).
 *
 * Every other response (progress or server requests on the stream, event ids, errors such as a 404 for
 * an expired session, a 202, another content type) is handed to the SDK's own `send` as the `Response`
 * its `fetch` returns, without being sent again: the SDK handles it exactly as if it had posted it.
 * `initialize`, notifications, answers to the server's requests, batches and resumptions are the
 * SDK's from the start.
 */
export class LeanPostTransport extends StreamableHTTPClientTransport {
  readonly #url: URL;
  /** The configured headers, names in lower case as `Headers` would have them. */
  readonly #headers: Record<string, string>;
  /** Responses the lean path read and hands to the SDK's `send`, by the body it posts. */
  readonly #handovers: Map<string, Response>;
  readonly #inFlight = new Set<http.ClientRequest>();
  #closed = false;

  constructor(url: URL, headers: Record<string, string>, fetch: Fetch) {
    const handovers = new Map<string, Response>();
    super(url, { requestInit: { headers: { ...headers } }, fetch: handingOver(handovers, fetch) });
    this.#url = url;
    this.#headers = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    this.#handovers = handovers;
  }

  override async send(message: JSONRPCMessage | JSONRPCMessage[], options?: SendOptions): Promise<void> {
    const sessionId = this.sessionId;
    const lean = !this.#closed && sessionId && !options?.resumptionToken && !Array.isArray(message);
    // The supervisor's own protocol made the message: its shape is known, so no schema is run to tell a request.
    if (!lean || !("id" in message && "method" in message) || message.method === "initialize")
      return super.send(message, options);
    const body = JSON.stringify(message);
    let messages: JSONRPCMessage[] | undefined;
    try {
      const incoming = await sendRequest(this.#url, {
        method: "POST",
        headers: this.#requestHeaders(sessionId, body),
        body,
        onRequest: (request) => this.#track(request),
      });
      messages = await this.#answersIn(incoming, sessionId, body);
    } catch (error) {
      this.onerror?.(error as Error);
      throw error;
    }
    if (!messages) return this.#handOver(message, body, options);
    for (const answer of messages) this.onmessage?.(answer);
  }

  override async close(): Promise<void> {
    this.#closed = true;
    for (const request of this.#inFlight) request.destroy(new DOMException("This operation was aborted", "AbortError"));
    await super.close();
  }

  /** What the SDK would send with a POST: its headers, the configured ones over them, the trace context. */
  #requestHeaders(sessionId: string, body: string): Record<string, string> {
    const version = this.protocolVersion;
    return {
      "mcp-session-id": sessionId,
      ...(version && { "mcp-protocol-version": version }),
      ...this.#headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...traceHeadersOf(body),
    };
  }

  #track(request: http.ClientRequest): void {
    this.#inFlight.add(request);
    request.once("close", () => this.#inFlight.delete(request));
  }

  /**
   * The messages of a 200 answer that is JSON or an SSE stream of the answer alone, validated as the SDK
   * validates them; undefined (the response kept for the SDK's send) for anything else.
   */
  async #answersIn(incoming: http.IncomingMessage, sessionId: string, body: string) {
    const session = incoming.headers["mcp-session-id"];
    if (incoming.statusCode === 200 && (session === undefined || session === sessionId)) {
      if (isEventStream(incoming)) {
        const read = await singleAnswer(incoming);
        if ("answer" in read) return this.#validated(read.answer.message);
        this.#handovers.set(body, toResponse(incoming, "POST", read.prefix));
        return undefined;
      }
      if (JSON_TYPE.test(incoming.headers["content-type"] ?? "")) {
        const data = JSON.parse(await text(incoming)) as unknown;
        return (Array.isArray(data) ? data : [data]).map(schemaChecked);
      }
    }
    this.#handovers.set(body, toResponse(incoming, "POST"));
    return undefined;
  }

  /** As the SDK's SSE reader does: a message that fails validation is an error event, not a failed send. */
  #validated(message: unknown): JSONRPCMessage[] {
    try {
      return [schemaChecked(message)];
    } catch (error) {
      this.onerror?.(error as Error);
      return [];
    }
  }

  async #handOver(message: JSONRPCMessage, body: string, options: SendOptions): Promise<void> {
    try {
      await super.send(message, options);
    } finally {
      // Picked up by the SDK's fetch unless the send failed before it: then nobody reads it.
      void this.#handovers.get(body)?.body?.cancel();
      this.#handovers.delete(body);
    }
  }
}

/** `fetch` that answers a POST whose body the lean path already sent with the response it read. */
function handingOver(handovers: Map<string, Response>, fetch: Fetch): Fetch {
  return (url, init) => {
    const body = init?.body;
    const response = typeof body === "string" ? handovers.get(body) : undefined;
    if (!response) return fetch(url, init);
    handovers.delete(body as string);
    return Promise.resolve(response);
  };
}
