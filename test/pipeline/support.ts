// Shared pieces of the request-pipeline tests: test plugins loaded as real file plugins, and one way
// to speak MCP on every path (SDK sessions over Streamable HTTP, SSE and stdio; pass-through with fetch).
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { McpError, ResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { GatewayPlugin } from "open-mcp-gateway";
import { tempDir } from "../helpers/files.js";

export type TestContext = { after(fn: () => unknown): void };

const REGISTRY = Symbol.for("mcpgw-test.pipeline-plugins");

function registry(): Map<string, GatewayPlugin> {
  const holder = globalThis as unknown as Record<symbol, Map<string, GatewayPlugin> | undefined>;
  return (holder[REGISTRY] ??= new Map());
}

/**
 * The `plugins:` entries that load `plugins` (in this order, after the built-ins) as file plugins:
 * each gets a one-line module in a temp folder whose factory hands the gateway the object given
 * here, so a test writes its plugin inline, typed, against the public API.
 */
export function filePlugins(t: TestContext, plugins: readonly GatewayPlugin[]): Record<string, Record<string, never>> {
  const dir = tempDir(t, "mcpgw-plugins-");
  const entries: Record<string, Record<string, never>> = {};
  for (const plugin of plugins) {
    const id = randomUUID();
    registry().set(id, plugin);
    t.after(() => registry().delete(id));
    const file = path.join(dir, `${plugin.name}.mjs`);
    writeFileSync(
      file,
      `export default () => globalThis[Symbol.for("mcpgw-test.pipeline-plugins")].get(${JSON.stringify(id)});\n`,
    );
    entries[file] = {};
  }
  return entries;
}

export interface RpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export type RpcReply =
  | { readonly result: Record<string, any>; readonly error?: undefined }
  | { readonly result?: undefined; readonly error: RpcError };

/** One way in: a client session, or the pass-through (one JSON-RPC message per POST). */
export interface Front {
  readonly label: string;
  /** What the front puts before a server's tool and prompt names: `relay__` aggregated, `` for one server. */
  prefixFor(server: string): string;
  request(method: string, params?: Record<string, unknown>): Promise<RpcReply>;
}

/**
 * An SDK client session. Aggregated, names are `<tool_prefix>__<name>` (the documented default
 * separator); `prefixes` gives the servers whose tool_prefix is not their id.
 */
export function sessionFront(
  label: string,
  client: Client,
  aggregated: boolean,
  prefixes: Record<string, string> = {},
): Front {
  return {
    label,
    prefixFor: (server) => (aggregated ? `${prefixes[server] ?? server}__` : ""),
    async request(method, params = {}) {
      try {
        return { result: (await client.request({ method, params }, ResultSchema)) as Record<string, any> };
      } catch (error) {
        if (!(error instanceof McpError)) throw error;
        // The SDK prefixes the message it received with "MCP error <code>: ".
        const message = error.message.replace(/^MCP error -?\d+: /, "");
        return { error: { code: error.code, message, ...(error.data !== undefined && { data: error.data }) } };
      }
    },
  };
}

let nextId = 1;

/** `POST /rpc` with X-Server-ID, or `POST /mcp` with `server_id` in the body. */
export function passThroughFront(
  base: string,
  route: "/rpc" | "/mcp",
  server: string,
  headers: Record<string, string> = {},
): Front {
  return {
    label: `${route} pass-through (${server})`,
    prefixFor: () => "",
    async request(method, params = {}) {
      const message = { jsonrpc: "2.0", id: nextId++, method, params };
      const response = await postJson(
        `${base}${route}`,
        route === "/rpc" ? message : { server_id: server, ...message },
        { ...(route === "/rpc" && { "x-server-id": server }), ...headers },
      );
      if (response.status !== 200)
        throw new Error(`${route} answered HTTP ${response.status}: ${JSON.stringify(response.body)}`);
      const body = response.body as { id: unknown; result?: Record<string, any>; error?: RpcError };
      if (body.id !== message.id) throw new Error(`${route} answered id ${String(body.id)} to ${message.id}`);
      return body.error ? { error: body.error } : { result: body.result! };
    },
  };
}

/** A JSON POST; the body parsed when it is JSON. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (an SSE answer): the text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Every item of a list, following `nextCursor` (pass-through hands the backend's pages one at a time). */
export async function listAll(
  front: Front,
  method: "tools/list" | "prompts/list",
  field: "tools" | "prompts",
): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const reply = await front.request(method, cursor === undefined ? {} : { cursor });
    if (reply.error) throw new Error(`${front.label} ${method}: ${reply.error.message}`);
    items.push(...(reply.result[field] as Array<Record<string, any>>));
    cursor = reply.result.nextCursor as string | undefined;
    if (cursor === undefined) return items;
  }
  throw new Error(`${front.label} ${method}: more than 100 pages`);
}

/** The text of a tool result's first content item. */
export function textOf(result: Record<string, any> | undefined): string {
  return (result?.content as Array<{ text: string }> | undefined)?.[0]?.text ?? JSON.stringify(result);
}

/**
 * An SDK client over legacy SSE that also tells the `/messages?sessionId=` URL the gateway gave it
 * (seen on the client's own POSTs, through its `fetch` option); closed after the test.
 */
export async function sseClient(
  t: TestContext,
  url: string,
  headers: Record<string, string>,
): Promise<{ client: Client; messagesUrl: () => string }> {
  let messagesUrl: string | undefined;
  const withHeaders = (init?: RequestInit): RequestInit => ({
    ...init,
    headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers },
  });
  const transport = new SSEClientTransport(new URL(url), {
    requestInit: { headers },
    eventSourceInit: { fetch: (input, init) => fetch(input, withHeaders(init)) },
    fetch: (input, init) => {
      messagesUrl ??= String(input instanceof Request ? input.url : input);
      return fetch(input, init);
    },
  });
  const client = new Client({ name: "pipeline-sse-test", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));
  return {
    client,
    messagesUrl: () => {
      if (messagesUrl === undefined) throw new Error("the SSE client has not posted yet");
      return messagesUrl;
    },
  };
}

/** The JSON-RPC initialize a raw client sends. */
export function initializeMessage(id: number | string = 1): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  };
}
