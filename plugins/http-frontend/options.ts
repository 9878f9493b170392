import { zodMini as z } from "open-mcp-gateway";

export const httpFrontendPluginOptions = z.strictObject({
  /** Also serve HTTP while `mcpgw stdio` runs (off by default: a desktop client owns that process). */
  in_stdio_mode: z._default(z.boolean(), false),
  /** Largest request body read; a bigger one gets 413 before it is read. */
  max_body_bytes: z._default(z.int().check(z.minimum(1024)), 4 * 1024 * 1024),
  /** Deepest JSON nesting a body may have; a deeper one is refused while it arrives, before it is parsed. */
  max_json_depth: z._default(z.int().check(z.minimum(8), z.maximum(1000)), 64),
  /**
   * Most values (array items and object members, all levels) a body may hold; more is refused while it
   * arrives. Parsing time grows with values, and it blocks every client: 100,000 parse in ~10 ms.
   */
  max_json_values: z._default(z.int().check(z.minimum(1000)), 100_000),
  /** Open MCP sessions (Streamable HTTP and SSE together); the next initialize gets 503. */
  max_sessions: z._default(z.int().check(z.minimum(1)), 1000),
  /**
   * Open MCP sessions of one principal (API key name); its next session first closes its own oldest
   * idle one, and gets 503 only when none is idle, so one client cannot lock the others out.
   */
  max_sessions_per_principal: z._default(z.int().check(z.minimum(1)), 100),
  /** A Streamable HTTP session with no request for this long is closed (its per-session backends stop). */
  session_idle_seconds: z._default(z.int().check(z.minimum(1)), 1800),
  /**
   * What each Streamable HTTP session keeps of the events it sent, so a client that lost a stream can
   * resume it with Last-Event-ID; past it the oldest are dropped. Memory: up to this times max_sessions.
   */
  replay_buffer_bytes: z._default(z.int().check(z.minimum(1)), 256 * 1024),
  /**
   * How long a 2026-07-28 call whose backend asked its client something (the input bridge) waits for
   * the client's retry; past it the backend is answered as if the client declined, and the call ends.
   */
  input_wait_seconds: z._default(z.int().check(z.minimum(1)), 600),
  /** A request's headers must arrive within this (slow clients hold no socket longer). */
  headers_timeout_seconds: z._default(z.int().check(z.minimum(1)), 15),
  /** A request must arrive in full, headers and body, within this; answers (SSE streams) are not limited. */
  receive_timeout_seconds: z._default(z.int().check(z.minimum(1)), 60),
  /** A keep-alive connection with no request for this long is closed. */
  keep_alive_timeout_seconds: z._default(z.int().check(z.minimum(1)), 5),
  /** Open connections; past it a new connection is closed at once. */
  max_connections: z._default(z.int().check(z.minimum(1)), 1024),
});

export type HttpFrontendSettings = z.output<typeof httpFrontendPluginOptions>;

export type HttpFrontendPluginOptions = z.input<typeof httpFrontendPluginOptions>;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Why the gateway must not listen on `listenAddr`: reachable from other machines while no key is required. */
export function exposureProblem(listenAddr: unknown, keyRequired: boolean): string | undefined {
  // Not a string when its own schema refused it: that error is reported already.
  const address = typeof listenAddr === "string" ? parseListenAddr(listenAddr) : undefined;
  if (!address || isLoopbackHost(address.host) || keyRequired) return undefined;
  return `listen_addr ${listenAddr} is reachable from other machines and no API key is configured: set api_key (or api_keys), or listen on 127.0.0.1`;
}

/** `host:port`, `[v6]:port`; port 0 picks a free one. */
export function parseListenAddr(value: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  return port <= 65535 ? { host: (match[1] ?? match[2])!, port } : undefined;
}

export const listenAddrSchema = z._default(
  z
    .string()
    .check(
      z.refine(
        (value) => parseListenAddr(value) !== undefined,
        "listen_addr must be HOST:PORT, for example 127.0.0.1:4444 or [::1]:4444",
      ),
    ),
  "127.0.0.1:4444",
);

export const corsEnabledSchema = z._default(z.boolean(), true);
/** Browser origins allowed (besides loopback ones once a key is required); "*" allows any. */
export const corsOriginsSchema = z._default(z.array(z.string().check(z.minLength(1))), []);
/** Host names accepted besides loopback and the bound address: `gateway.internal`, `10.0.0.5`, `*.example.com`, or `*`. */
export const allowedHostsSchema = z._default(
  z.array(
    z
      .string()
      .check(
        z.regex(
          /^(?:\*|(?:\*\.)?[A-Za-z0-9_.-]+|\[?[0-9A-Fa-f:.]+\]?)$/,
          "an allowed host is a name or address without scheme or port: gateway.internal, 10.0.0.5, *.example.com, or *",
        ),
      ),
  ),
  [],
);

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost", "::ffff:127.0.0.1"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
