// Resumable Streamable HTTP streams (http-frontend's per-session replay buffer): a client that loses a
// call's SSE stream gets the rest on GET with Last-Event-ID, from a buffer bounded by replay_buffer_bytes,
// and only from its own session. Real sockets: raw fetch where the wire is checked, an SDK client where
// its own reconnection is.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { gatewayTokens } from "../../src/services/tokens.js";
import {
  nextEvent,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  suiteScope,
  Tap,
  type TestGateway,
} from "./support.js";
import { sseEvents, type SseEvent } from "../helpers/sse.js";

const KEYS = { alice: "k-alice-resumable-0001", bob: "k-bob-resumable-00001" } as const;
type Who = keyof typeof KEYS;
const as = (who: Who) => ({ authorization: `Bearer ${KEYS[who]}` });
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const NOT_FOUND = {
  jsonrpc: "2.0",
  id: null,
  error: { code: -32001, message: "Session not found: it ended or never existed; send initialize again" },
};

const scope = suiteScope();
let gateway: TestGateway;

before(async () => {
  gateway = await startHttpGateway(scope, {
    api_keys: [
      { name: "alice", key: KEYS.alice },
      { name: "bob", key: KEYS.bob },
    ],
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
});
after(() => scope.cleanup());

type Message = Record<string, any>;

/** Reads JSON-RPC messages off `events` until the answer to `callId`: the progress values before it, and it. */
async function readToAnswer(
  events: AsyncGenerator<SseEvent>,
  callId: number,
): Promise<{ progress: number[]; answer: Message; ids: string[]; dataBytes: number }> {
  const progress: number[] = [];
  const ids: string[] = [];
  let dataBytes = 0;
  for await (const event of events) {
    if (event.data === "") continue;
    ids.push(event.id!);
    dataBytes += event.data.length;
    const message = JSON.parse(event.data) as Message;
    if (message.method === "notifications/progress") progress.push(message.params.progress as number);
    if (message.id === callId) return { progress, answer: message, ids, dataBytes };
  }
  throw new Error(`the stream ended before the answer to call ${callId}`);
}

/** A raw Streamable HTTP session on /mcp/relay: initialize, initialized; the headers its requests carry. */
async function openSession(who: Who, base = gateway.base): Promise<Record<string, string>> {
  const init = await fetch(`${base}/mcp/relay`, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...as(who) },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "resumer", version: "1" } },
    }),
  });
  assert.equal(init.status, 200, await init.clone().text());
  await init.text();
  const session = {
    ...as(who),
    "mcp-session-id": init.headers.get("mcp-session-id")!,
    "mcp-protocol-version": "2025-11-25",
  };
  const initialized = await fetch(`${base}/mcp/relay`, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...session },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  assert.equal(initialized.status, 202);
  return session;
}

/** POSTs a `slow` call (progress every intervalMs for `steps` steps) and returns its SSE response. */
async function callSlow(
  session: Record<string, string>,
  callId: number,
  args: { steps: number; intervalMs: number },
  signal?: AbortSignal,
  base = gateway.base,
): Promise<Response> {
  const response = await fetch(`${base}/mcp/relay`, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...session },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: callId,
      method: "tools/call",
      params: { name: "slow", arguments: args, _meta: { progressToken: `token-${callId}` } },
    }),
    signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  return response;
}

/** Starts a `slow` call, reads up to its first progress event and drops the connection: that event's id. */
async function loseStreamAfterFirstProgress(
  session: Record<string, string>,
  callId: number,
  args: { steps: number; intervalMs: number },
  base = gateway.base,
): Promise<{ priming: SseEvent; lastEventId: string }> {
  const connection = new AbortController();
  const events = sseEvents(await callSlow(session, callId, args, connection.signal, base));
  const priming = (await events.next()).value as SseEvent;
  assert.ok(
    priming.id && priming.data === "",
    `the call's stream opens with a priming event (an id, no data), so it can be resumed; got ${JSON.stringify(priming)}`,
  );
  const first = (await events.next()).value as SseEvent;
  assert.equal(JSON.parse(first.data).params.progress, 1, "the first event after the priming one is progress 1");
  connection.abort();
  return { priming, lastEventId: first.id! };
}

function resume(session: Record<string, string>, lastEventId: string, base = gateway.base): Promise<Response> {
  return fetch(`${base}/mcp/relay`, {
    headers: { accept: "text/event-stream", ...session, "last-event-id": lastEventId },
  });
}

const textOf = (answer: Message) => ((answer.result as CallToolResult).content[0] as { text: string }).text;

test("a client that drops a call's stream after the first progress gets the rest of the progress and the answer on GET with Last-Event-ID", async () => {
  const session = await openSession("alice");
  const { priming, lastEventId } = await loseStreamAfterFirstProgress(session, 1, { steps: 5, intervalMs: 150 });
  assert.equal(priming.retry, 1000, "the priming event tells the client how long to wait before it reconnects");

  const resumed = await resume(session, lastEventId);
  assert.equal(resumed.status, 200);
  assert.equal(resumed.headers.get("mcp-session-id"), session["mcp-session-id"]);
  const { progress, answer } = await readToAnswer(sseEvents(resumed), 1);
  assert.deepEqual(progress, [2, 3, 4, 5], "every progress after the last one seen, each once");
  assert.equal(textOf(answer), "slow done after 5 steps");
});

test("an SDK client whose call stream breaks reconnects with Last-Event-ID by itself; the call completes with all its progress", async (t) => {
  const resumedFrom: string[] = [];
  let broken = false;
  // The transport's fetch, with the connection of the first tools/call cut once its first progress arrived.
  const cutting: FetchLike = async (url, init) => {
    const lastEventId = new Headers(init?.headers).get("last-event-id");
    if (lastEventId) resumedFrom.push(lastEventId);
    const connection = new AbortController();
    const signal = init?.signal ? AbortSignal.any([init.signal, connection.signal]) : connection.signal;
    const response = await fetch(url, { ...init, signal });
    if (broken || init?.method !== "POST" || !String(init.body).includes('"tools/call"')) return response;
    broken = true;
    const decoder = new TextDecoder();
    let seen = "";
    const body = response.body!.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          out.enqueue(chunk);
          seen += decoder.decode(chunk, { stream: true });
          if (seen.includes("notifications/progress")) connection.abort();
        },
      }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const client = new Client({ name: "resuming-sdk-client", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp/relay`), {
      requestInit: { headers: as("alice") },
      fetch: cutting,
    }),
  );
  t.after(() => client.close().catch(() => {}));
  // Messages as the transport delivers them, before the SDK dispatches them (sdk#2580 can drop a
  // progress notification that arrives together with the result, as a replay may deliver it).
  const tap = new Tap(client);

  const result = await client.callTool({ name: "slow", arguments: { steps: 6, intervalMs: 150 } }, undefined, {
    onprogress: () => {},
    timeout: 20_000,
  });
  assert.equal(textOf({ result }), "slow done after 6 steps");
  assert.ok(broken, "the call's stream was cut");
  assert.equal(resumedFrom.length, 1, "the client resumed once");
  const progress = tap.notifications("notifications/progress").map((message) => message.params.progress as number);
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6], "every progress arrived once, across the two connections");
});

test("another principal cannot replay a session's stream: 404 as for any session not its own; the owner then resumes", async () => {
  const session = await openSession("alice");
  const { lastEventId } = await loseStreamAfterFirstProgress(session, 7, { steps: 4, intervalMs: 150 });

  const stolen = await resume({ ...session, ...as("bob") }, lastEventId);
  assert.equal(stolen.status, 404);
  assert.deepEqual(await stolen.json(), NOT_FOUND);

  const own = await resume(session, lastEventId);
  assert.equal(own.status, 200);
  const { progress, answer } = await readToAnswer(sseEvents(own), 7);
  assert.deepEqual(progress, [2, 3, 4]);
  assert.equal(textOf(answer), "slow done after 4 steps");
});

test("replay_buffer_bytes bounds the buffer: the oldest events are dropped, the answer still comes; a stream with nothing left is a 400 that says why", async (t) => {
  const capBytes = 2000;
  const small = await startHttpGateway(t, {
    api_keys: [{ name: "alice", key: KEYS.alice }],
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: { "http-frontend": { replay_buffer_bytes: capBytes } },
  });
  const hooks = small.kernel.container.resolve(gatewayTokens.requestHooks);
  const finished = nextEvent<string>(
    (deliver) => hooks.outcome.tap("resumable-test", (request) => deliver(String(request.name))),
    (name) => name === "slow",
    20_000,
    "the slow call to finish",
  );
  const session = await openSession("alice", small.base);
  const { lastEventId } = await loseStreamAfterFirstProgress(session, 1, { steps: 30, intervalMs: 10 }, small.base);
  // Thirty progress events (about 130 bytes of JSON each) went into a 2000-byte buffer while nobody read them.
  await finished;

  const resumed = await resume(session, lastEventId, small.base);
  assert.equal(resumed.status, 200);
  const { progress, answer, ids, dataBytes } = await readToAnswer(sseEvents(resumed), 1);
  assert.equal(textOf(answer), "slow done after 30 steps");
  assert.ok(progress[0]! > 2, `the oldest progress events were dropped (replay began at ${progress[0]})`);
  assert.deepEqual(
    progress,
    Array.from({ length: 30 - progress[0]! + 1 }, (_, i) => progress[0]! + i),
    "what is left is the newest, in order, up to the last step",
  );
  assert.ok(dataBytes <= capBytes, `the replay (${dataBytes} bytes in ${ids.length} events) fits the bound`);
  t.diagnostic(`replayed steps ${progress[0]}-30 and the answer: ${ids.length} events, ${dataBytes} bytes of JSON`);

  // A second call's events push everything of the first stream out; resuming it is refused, saying why.
  await readToAnswer(sseEvents(await callSlow(session, 2, { steps: 30, intervalMs: 1 }, undefined, small.base)), 2);
  const gone = await resume(session, lastEventId, small.base);
  assert.equal(gone.status, 400);
  const body = (await gone.json()) as Message;
  assert.equal(body.error.code, -32600);
  assert.match(body.error.message, /^Last-Event-ID '[^']+' cannot be resumed: .*replay_buffer_bytes/);
});
