// Remote (HTTP) backends give every client session its own upstream MCP session over Node's shared
// connection pool, so what the upstream sends on it reaches exactly that client. Calls without a
// client session share one upstream session; `isolation: shared` opts out.
import "reflect-metadata";
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CreateMessageRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { zodMini as z, type GatewayPlugin } from "../../src/index.js";
import { connectClient, startHttpGateway, Tap, type TestContext } from "../http/support.js";
import { filePlugins } from "../pipeline/support.js";
import { startRecordingUpstream, type RecordingUpstream } from "./remote.js";

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

const remote = (upstream: RecordingUpstream, extra: Record<string, unknown> = {}) => ({
  id: "up",
  runtime: { type: "remote-sse", url: upstream.url, transport: "streamable-http" },
  ...extra,
});

/** A client that answers sampling as `marker`; its tap sees every message its transport receives. */
async function markedClient(t: TestContext, url: string, marker: string): Promise<{ client: Client; tap: Tap }> {
  const client = await connectClient(t, url, {
    capabilities: { sampling: {} },
    setup: (c) =>
      c.setRequestHandler(CreateMessageRequestSchema, async () => ({
        model: "m",
        role: "assistant",
        content: { type: "text", text: marker },
      })),
  });
  return { client, tap: new Tap(client) };
}

async function passThrough(base: string, id: number): Promise<string> {
  const response = await fetch(`${base}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-server-id": "up" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "whoami", arguments: {} } }),
  });
  return text(((await response.json()) as { result: unknown }).result);
}

test("two clients of one remote server: two upstream sessions; A's sampling and log reach A only while B has a call in flight", async (t) => {
  const upstream = await startRecordingUpstream(t);
  // The gateway-wide cap on session backends bounds processes; upstream sessions are bounded by the frontend's session limits.
  const gateway = await startHttpGateway(t, { max_session_instances: 1, servers: [remote(upstream)] });
  assert.equal(gateway.kernel.config.servers[0]!.isolation, "session", "remote-sse defaults to a session per client");
  const a = await markedClient(t, `${gateway.base}/mcp/up`, "A");
  const b = await markedClient(t, `${gateway.base}/mcp/up`, "B");
  const aSession = text(await a.client.callTool({ name: "whoami", arguments: {} }));
  const bSession = text(await b.client.callTool({ name: "whoami", arguments: {} }));
  assert.notEqual(aSession, bSession);

  const held = once(upstream, "held");
  const bCall = b.client.callTool({ name: "hold", arguments: {} });
  assert.deepEqual(await held, [bSession]);
  const asked = await a.client.callTool({ name: "ask", arguments: {} });
  assert.equal(text(asked), `${aSession} sampled A`);
  assert.deepEqual(
    a.tap.notifications("notifications/message").map((message) => message.params.data),
    [`during ${aSession}`],
  );
  upstream.release();
  assert.equal(text(await bCall), bSession);
  // Anything sent to B before its result would have arrived ahead of it, on the same stream.
  assert.deepEqual(b.tap.notifications("notifications/message"), []);

  // Each upstream session declared its own client's capabilities: an aggregated client without sampling gets none.
  const c = await connectClient(t, `${gateway.base}/mcp`);
  const cSession = text(await c.callTool({ name: "up__whoami", arguments: {} }));
  assert.ok(![aSession, bSession].includes(cSession));
  assert.deepEqual(upstream.sessions.get(aSession)!.clientCapabilities(), { sampling: {} });
  assert.deepEqual(upstream.sessions.get(cSession)!.clientCapabilities(), {});

  const state = gateway.supervisor.get("up");
  assert.equal(state.status, "running");
  assert.equal(state.restarts, 0, "a client session's first upstream session is no restart");
  assert.equal(state.in_flight, 0);
  assert.equal(state.request_count, 5);
  assert.deepEqual(state.runtime, { transport: "streamable-http", url: upstream.url });
});

test("closing a client session deletes its upstream session; pass-through shares one; all share TCP connections; isolation: shared opts out", async (t) => {
  const upstream = await startRecordingUpstream(t);
  const gateway = await startHttpGateway(t, { servers: [remote(upstream)] });
  const a = await connectClient(t, `${gateway.base}/mcp/up`);
  const b = await connectClient(t, `${gateway.base}/mcp/up`);
  const aSession = text(await a.callTool({ name: "whoami", arguments: {} }));
  const bSession = text(await b.callTool({ name: "whoami", arguments: {} }));
  // The shared session (opened to learn the server's identity on a cold cache) and one per client.
  assert.equal(gateway.supervisor.get("up").instances, 3);

  const shared = await passThrough(gateway.base, 1);
  assert.ok(![aSession, bSession].includes(shared), "pass-through has no client session of its own");
  assert.equal(await passThrough(gateway.base, 2), shared);

  const deleted = once(upstream, "deleted");
  await (a.transport as StreamableHTTPClientTransport).terminateSession();
  assert.deepEqual(await deleted, [aSession]);
  assert.equal(upstream.sessions.get(bSession)!.deleted, false);
  assert.equal(text(await b.callTool({ name: "whoami", arguments: {} })), bSession);
  assert.equal(gateway.supervisor.get("up").instances, 2);

  // Keep-alive sockets are pooled across upstream sessions: one TCP connection carried POSTs of two.
  const [first, second] = [upstream.sessions.get(aSession)!, upstream.sessions.get(bSession)!];
  assert.ok(
    [...first.postSockets].some((socket) => second.postSockets.has(socket)),
    `A's POSTs came on connections ${[...first.postSockets]}, B's on ${[...second.postSockets]}`,
  );

  // isolation: shared opts out: every client of that server on one upstream session.
  const opted = await startRecordingUpstream(t);
  const sharedGateway = await startHttpGateway(t, { servers: [remote(opted, { isolation: "shared" })] });
  const c = await connectClient(t, `${sharedGateway.base}/mcp/up`);
  const d = await connectClient(t, `${sharedGateway.base}/mcp/up`);
  const cSession = text(await c.callTool({ name: "whoami", arguments: {} }));
  assert.equal(text(await d.callTool({ name: "whoami", arguments: {} })), cSession);
  assert.equal(await passThrough(sharedGateway.base, 1), cSession);
  assert.equal(opted.sessions.size, 1);
});

test("an idle client's upstream session stops on its own (DELETE) and the next call opens a new one", async (t) => {
  const upstream = await startRecordingUpstream(t);
  const gateway = await startHttpGateway(t, { servers: [remote(upstream, { idle_timeout_seconds: 1 })] });
  const a = await connectClient(t, `${gateway.base}/mcp/up`);
  const first = text(await a.callTool({ name: "whoami", arguments: {} }));
  assert.notEqual(await passThrough(gateway.base, 1), first, "the client has an upstream session of its own");
  await upstream.deletion(first);
  // The shared session idles out too, and may already have restarted for the pass-through call.
  const restarts = gateway.supervisor.get("up").restarts;
  const second = text(await a.callTool({ name: "whoami", arguments: {} }));
  assert.notEqual(second, first);
  assert.equal(gateway.supervisor.get("up").restarts, restarts + 1, "the client's upstream session restarted");
});

test("a third-party runtime opts in with sessionPerClient: an instance per client session, unless the entry says isolation: shared", async (t) => {
  let created = 0;
  // Each instance is an SDK server of its own, reached over the SDK's in-memory transport.
  const inMemory: GatewayPlugin = {
    name: "in-memory-runtime",
    apply(ctx) {
      ctx.defineRuntime({
        type: "in-memory",
        options: z.strictObject({}),
        sessionPerClient: true,
        async create() {
          const instance = ++created;
          const server = new McpServer({ name: "in-memory", version: "1.0.0" });
          server.registerTool("which", { description: "This instance's number" }, async () => ({
            content: [{ type: "text", text: String(instance) }],
          }));
          const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
          return {
            async connect(client, { timeoutMs, signal }) {
              await server.connect(serverSide);
              await client.connect(clientSide, { timeout: timeoutMs, signal });
            },
            stop: () => server.close(),
          };
        },
      });
    },
  };
  const gateway = await startHttpGateway(t, {
    plugins: filePlugins(t, [inMemory]),
    servers: [
      { id: "own", runtime: { type: "in-memory" } },
      { id: "one", runtime: { type: "in-memory" }, isolation: "shared" },
    ],
  });
  assert.deepEqual(
    gateway.kernel.config.servers.map((server) => server.isolation),
    ["session", "shared"],
  );
  const which = async (client: Client, tool: string) => text(await client.callTool({ name: tool, arguments: {} }));
  const a = await connectClient(t, `${gateway.base}/mcp`);
  const b = await connectClient(t, `${gateway.base}/mcp`);
  assert.notEqual(await which(a, "own__which"), await which(b, "own__which"));
  assert.equal(await which(a, "one__which"), await which(b, "one__which"));
});
