import type { Client as ModernClient } from "@modelcontextprotocol/client";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ServerDefinition, Logger, BackendRuntime, RuntimeConnectOptions, RuntimeContext } from "open-mcp-gateway";
import { connectModern, knownLegacy, rememberLegacy } from "./eraNegotiation.js";
import { LeanPostTransport } from "./LeanPostTransport.js";
import { ModernBackendTransport } from "./ModernBackendTransport.js";
import { nodeFetch } from "./nodeFetch.js";
import type { RemoteSseOptions } from "./options.js";
import { withTraceHeaders } from "./traceHeaders.js";

// Legacy SSE keeps undici's fetch: its eventsource client needs redirects followed.
const undiciWithTraceHeaders = withTraceHeaders((url, init) => fetch(url, init));
const nodeFetchWithTraceHeaders = withTraceHeaders(nodeFetch);

/** Statuses with which a legacy HTTP+SSE server answers a Streamable HTTP POST (spec's backwards-compatibility rule). */
const FALLBACK_STATUSES = new Set([400, 404, 405]);
/** A session DELETE on stop is a courtesy; it must not hold up shutdown. */
const TERMINATE_TIMEOUT_MS = 1_000;

type Wire = "streamable-http" | "sse";
const MODERN = "2026-07-28";

/**
 * A `remote-sse` backend: an MCP server reached over HTTP, by Streamable HTTP or legacy
 * HTTP+SSE (`auto` tries the first and falls back). Only the configured headers are sent:
 * nothing a gateway client sent is ever forwarded. Over Streamable HTTP the era is negotiated first
 * (`protocol_era`): a 2026-07-28 backend is served through ModernBackendTransport, so the supervisor's
 * client sees the 2025 session it knows; a 2025 backend gets exactly the session it always got.
 */
export class RemoteRuntime implements BackendRuntime {
  readonly #url: URL;
  readonly #options: RemoteSseOptions;
  readonly #headers: Record<string, string>;
  readonly #logger: Logger;
  #transport?: Transport;
  #wire?: Wire;
  /** Set when the backend speaks 2026-07-28 (the admin API says so); a 2025 backend's facts are as they always were. */
  #protocol?: typeof MODERN;

  constructor(server: ServerDefinition & { runtime: RemoteSseOptions }, context: RuntimeContext) {
    const { url, headers } = credentialsAsHeader(new URL(server.runtime.url), server.runtime.headers);
    this.#url = url;
    this.#headers = headers;
    this.#options = server.runtime;
    this.#logger = context.logger;
  }

  async connect(client: Client, options: RuntimeConnectOptions): Promise<void> {
    const timeoutMs = Math.min(options.timeoutMs, this.#options.connect_timeout_seconds * 1000);
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]);
    const mode = this.#options.transport;
    const era = this.#options.protocol_era;
    const endpoint = { url: this.#url, headers: this.#headers };
    const probe = mode !== "sse" && era !== "legacy" && !(era === "auto" && knownLegacy(endpoint));
    if (probe) {
      const modern = await this.#modern(era === "modern" ? "modern" : "auto", timeoutMs, signal);
      if (modern) return await this.#attachModern(client, modern, timeoutMs, signal);
    }
    await this.#legacy(client, mode, timeoutMs, signal);
    if (probe) rememberLegacy(endpoint);
  }

  async #legacy(client: Client, mode: RemoteSseOptions["transport"], timeoutMs: number, signal: AbortSignal) {
    if (mode !== "sse") {
      try {
        return await this.#attempt(client, "streamable-http", timeoutMs, signal);
      } catch (error) {
        if (!(error instanceof StreamableHTTPError)) throw error;
        // The SDK's message carries the whole response body (often an HTML page): the status is what matters.
        if (mode !== "auto" || !FALLBACK_STATUSES.has(error.code ?? 0))
          throw new Error(`HTTP ${error.code} from ${this.#where()} (Streamable HTTP)`, { cause: error });
        this.#logger.info({ status: error.code }, "Streamable HTTP refused; falling back to legacy HTTP+SSE");
      }
    }
    await this.#attempt(client, "sse", timeoutMs, signal);
  }

  /** A connected 2026-07-28 client when the backend speaks it (`modern` insists), undefined otherwise. */
  async #modern(era: "auto" | "modern", timeoutMs: number, signal: AbortSignal): Promise<ModernClient | undefined> {
    try {
      return await connectModern({
        url: this.#url,
        headers: this.#headers,
        fetch: nodeFetchWithTraceHeaders,
        era,
        timeoutMs,
        signal,
      });
    } catch (error) {
      if (signal.aborted)
        throw new Error(`no answer from ${this.#where()} within ${timeoutMs / 1000} s (${MODERN})`, { cause: error });
      throw new Error(`${this.#where()} does not speak MCP ${MODERN}: ${errorText(error)}`, { cause: error });
    }
  }

  async #attachModern(client: Client, modern: ModernClient, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const transport = new ModernBackendTransport(modern);
    this.#transport = transport;
    this.#wire = "streamable-http";
    this.#protocol = MODERN;
    this.#logger.debug("The server speaks MCP 2026-07-28");
    await client.connect(transport, { timeout: timeoutMs, signal });
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      transport: this.#wire ?? this.#options.transport,
      ...(this.#protocol && { protocol: this.#protocol }),
      url: this.#where(),
    };
  }

  /** The endpoint without query or user info, which may carry credentials. */
  #where(): string {
    return `${this.#url.origin}${this.#url.pathname}`;
  }

  async stop(): Promise<void> {
    const transport = this.#transport;
    this.#transport = undefined;
    if (!transport) return;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      await Promise.race([
        transport.terminateSession().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, TERMINATE_TIMEOUT_MS).unref()),
      ]);
    }
    await transport.close();
  }

  async #attempt(client: Client, wire: Wire, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const transport =
      wire === "sse"
        ? new SSEClientTransport(this.#url, {
            requestInit: { headers: { ...this.#headers } },
            fetch: undiciWithTraceHeaders,
          })
        : new LeanPostTransport(this.#url, this.#headers, nodeFetchWithTraceHeaders);
    this.#transport = transport;
    this.#wire = wire;
    // Opening a legacy SSE stream can hang before initialize is even sent, where the request timeout does not reach.
    const onAbort = () => void transport.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await client.connect(transport, { timeout: timeoutMs, signal });
    } catch (error) {
      await transport.close().catch(() => undefined);
      if (signal.aborted)
        throw new Error(`no answer from ${this.#where()} within ${timeoutMs / 1000} s (${wire})`, { cause: error });
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is in its cause.
      if (error instanceof TypeError && error.message === "fetch failed") {
        const cause = error.cause as { code?: string; message?: string } | undefined;
        throw new Error(`cannot reach ${this.#where()}: ${cause?.code ?? cause?.message ?? "network error"}`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `fetch` refuses a URL with `user:pass@` in it, so userinfo becomes the Basic `Authorization` header
 * that browsers and curl would send for it; a configured `Authorization` header wins.
 */
function credentialsAsHeader(
  url: URL,
  configured: Readonly<Record<string, string>>,
): { url: URL; headers: Record<string, string> } {
  const headers = { ...configured };
  if (url.username === "" && url.password === "") return { url, headers };
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === "authorization");
  if (!hasAuthorization) {
    const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  }
  const bare = new URL(url);
  bare.username = "";
  bare.password = "";
  return { url: bare, headers };
}
