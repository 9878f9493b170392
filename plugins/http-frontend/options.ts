import { z } from "zod";

export const httpFrontendPluginOptions = z.strictObject({
  /** Also serve HTTP while `mcpgw stdio` runs (off by default: a desktop client owns that process). */
  in_stdio_mode: z.boolean().default(false),
  /** Largest request body read; a bigger one gets 413 before it is read. */
  max_body_bytes: z.number().int().min(1024).default(4 * 1024 * 1024),
  /** Open MCP sessions (Streamable HTTP and SSE together); the next initialize gets 503. */
  max_sessions: z.number().int().min(1).default(1000),
  /** A Streamable HTTP session with no request for this long is closed (its per-session backends stop). */
  session_idle_seconds: z.number().int().min(1).default(1800),
});

export type HttpFrontendSettings = z.output<typeof httpFrontendPluginOptions>;

export type HttpFrontendPluginOptions = z.input<typeof httpFrontendPluginOptions>;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, `[v6]:port`; port 0 picks a free one. */
export function parseListenAddr(value: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  return port <= 65535 ? { host: (match[1] ?? match[2])!, port } : undefined;
}

export const listenAddrSchema = z
  .string()
  .default("127.0.0.1:4444")
  .refine((value) => parseListenAddr(value) !== undefined, "listen_addr must be HOST:PORT, for example 127.0.0.1:4444 or [::1]:4444");

export const corsEnabledSchema = z.boolean().default(true);
/** Browser origins allowed besides loopback ones; "*" allows any. */
export const corsOriginsSchema = z.array(z.string().min(1)).default([]);

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost", "::ffff:127.0.0.1"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
