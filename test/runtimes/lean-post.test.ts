// remote-sse's lean path for the calls of an established session (plugins/sse-runtime/LeanPostTransport.ts),
// driven by the SDK's client against a hand-written Streamable HTTP server on loopback: plain answers skip
// the SDK's fetch, every other answer is handed to the SDK without the POST being sent twice.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { LeanPostTransport } from "../../plugins/sse-runtime/LeanPostTransport.js";
import { nodeFetch } from "../../plugins/sse-runtime/nodeFetch.js";

const SESSION = "session-1";
const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const answer = (request: JSONRPCRequest, text: string) => ({
  jsonrpc: "2.0",
  id: request.id,
  result: { content: [{ type: "text", text }] },
});

/** What the server saw: every POSTed tools/call by tool name, with its headers. */
interface Seen {
  calls: Array<{ tool: string; headers: IncomingHttpHeaders }>;
  /** Emitted as `held` once the `hold` tool's request arrived. */
  server: ReturnType<typeof createServer>;
}

/** An MCP server of one session; tools answer as named: `json`, `sse`, `progress` (SSE), `gone` (404), `hold` (never). */
async function serve(t: TestContext): Promise<{ url: URL; seen: Seen }> {
  const server = createServer((req, res) => {
    if (req.method !== "POST") return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => respond(JSON.parse(Buffer.concat(chunks).toString()) as JSONRPCRequest, req.headers, res));
  });
  const seen: Seen = { calls: [], server };
  const respond = (message: JSONRPCRequest, headers: IncomingHttpHeaders, res: ServerResponse) => {
    if (message.method === "initialize") {
      const result = {
        protocolVersion: "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "t", version: "1" },
      };
      return void res
        .writeHead(200, { "content-type": "application/json", "mcp-session-id": SESSION })
        .end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }));
    }
    if (message.id === undefined) return void res.writeHead(202).end();
    const tool = (message.params as { name: string }).name;
    seen.calls.push({ tool, headers });
    if (tool === "json")
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer(message, "json")));
    else if (tool === "sse")
      res.writeHead(200, { "content-type": "text/event-stream" }).end(event(answer(message, "sse")));
    else if (tool === "progress") {
      const token = (message.params as { _meta: { progressToken: number } })._meta.progressToken;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        event({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: 1 } }),
      );
      setImmediate(() => res.end(event(answer(message, "after progress"))));
    } else if (tool === "gone") res.writeHead(404).end("no such session");
    else server.emit("held", res);
  };
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), seen };
}

/** A connected SDK client on the lean transport; `fetches`: the methods POSTed through the SDK's fetch. */
async function connect(t: TestContext, url: URL) {
  const fetches: string[] = [];
  const transport = new LeanPostTransport(url, { "X-Api-Key": "k" }, (input, init) => {
    // The SDK's GET for the session's own stream may start as connect returns: only POSTs count.
    if (init?.method === "POST") fetches.push(JSON.parse(init.body as string).method);
    return nodeFetch(input, init);
  });
  const client = new Client({ name: "lean-test", version: "1" });
  await client.connect(transport);
  t.after(() => client.close());
  fetches.length = 0;
  return { client, transport, fetches };
}

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

test("a call answered with JSON or an SSE stream of the answer alone never reaches the SDK's fetch, and carries the session's headers", async (t) => {
  const { url, seen } = await serve(t);
  const { client, fetches } = await connect(t, url);
  assert.equal(textOf(await client.callTool({ name: "json", arguments: {} })), "json");
  assert.equal(textOf(await client.callTool({ name: "sse", arguments: {} })), "sse");
  assert.deepEqual(fetches, []);
  assert.deepEqual(
    seen.calls.map((call) => call.tool),
    ["json", "sse"],
  );
  for (const { headers } of seen.calls) {
    assert.equal(headers["mcp-session-id"], SESSION);
    assert.equal(headers["mcp-protocol-version"], "2025-06-18");
    assert.equal(headers["x-api-key"], "k");
    assert.equal(headers.accept, "application/json, text/event-stream");
  }
});

test("progress on a call's stream is handed to the SDK, sent once: the progress and then the answer arrive", async (t) => {
  const { url, seen } = await serve(t);
  const { client, fetches } = await connect(t, url);
  const progress: number[] = [];
  const result = await client.callTool({ name: "progress", arguments: {} }, undefined, {
    onprogress: ({ progress: value }) => progress.push(value),
  });
  assert.equal(textOf(result), "after progress");
  assert.deepEqual(progress, [1]);
  assert.equal(seen.calls.length, 1, "the POST went out once");
  assert.deepEqual(fetches, [], "the SDK read the response the lean path had, without fetching");
});

test("a 404 (the upstream session is gone) fails the call with the SDK's error and status, the POST sent once", async (t) => {
  const { url, seen } = await serve(t);
  const { client } = await connect(t, url);
  await assert.rejects(client.callTool({ name: "gone", arguments: {} }), (error: unknown) => {
    assert.ok(error instanceof StreamableHTTPError);
    assert.equal(error.code, 404);
    return true;
  });
  assert.equal(seen.calls.length, 1);
});

test("a trace context in the call's _meta goes out as headers on the lean path", async (t) => {
  const { url, seen } = await serve(t);
  const { client } = await connect(t, url);
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  await client.callTool({ name: "json", arguments: {}, _meta: { traceparent, tracestate: "k=v" } });
  assert.equal(seen.calls[0]!.headers.traceparent, traceparent);
  assert.equal(seen.calls[0]!.headers.tracestate, "k=v");
});

test("closing the transport ends a call in flight: the call fails and the server sees its request closed", async (t) => {
  const { url, seen } = await serve(t);
  const { client } = await connect(t, url);
  const held = once(seen.server, "held") as Promise<[ServerResponse]>;
  const call = client.callTool({ name: "hold", arguments: {} });
  const [res] = await held;
  const closed = once(res, "close");
  await client.close();
  await assert.rejects(call);
  await closed;
});
