// The lean path for calls of established Streamable HTTP sessions (http-frontend LeanPost.ts): a client
// that prefers JSON gets its answer as application/json when nothing comes before it; a call whose
// progress comes first turns into the SSE stream the SDK would have opened; a client that lists the
// stream first, and anything the SDK transport refuses, stays on the SDK's path. Raw HTTP on real sockets.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request } from "../helpers/http.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, suiteScope, until, type TestGateway } from "./support.js";

const JSON_FIRST = "application/json, text/event-stream";
const STREAM_FIRST = "text/event-stream, application/json";

const scope = suiteScope();
let gateway: TestGateway;
let url: string;

before(async () => {
  gateway = await startHttpGateway(scope, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  url = `${gateway.base}/mcp/relay`;
});
after(() => scope.cleanup());

async function openSession(): Promise<Record<string, string>> {
  const init = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: JSON_FIRST },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "lean", version: "1" } },
    }),
  });
  assert.equal(init.status, 200);
  await init.text();
  const session = { "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-11-25" };
  const initialized = await post(session, JSON_FIRST, { jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(initialized.status, 202);
  return session;
}

function post(session: Record<string, string>, accept: string, body: unknown, extra: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept, ...session, ...extra },
    body: JSON.stringify(body),
  });
}

const echo = (id: number, text: string) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "echo", arguments: { text } },
});

/** The data of each event of an SSE body, with its id (keep-alive comments left out). */
function events(text: string): Array<{ id?: string; data: string }> {
  return text
    .split("\n\n")
    .filter((block) => /^(id|data):/m.test(block))
    .map((block) => ({
      id: /^id: (.*)$/m.exec(block)?.[1],
      data: /^data: ?(.*)$/m.exec(block)?.[1] ?? "",
    }));
}

test("a call whose answer comes first is answered application/json to a client that prefers JSON, as the SSE stream to one that lists it first", async () => {
  const session = await openSession();
  const lean = await post(session, JSON_FIRST, echo(1, "lean"));
  assert.equal(lean.status, 200);
  assert.match(lean.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(lean.headers.get("mcp-session-id"), session["mcp-session-id"]);
  const answer = (await lean.json()) as { id: number; result: { content: Array<{ text: string }> } };
  assert.equal(answer.id, 1);
  assert.equal(answer.result.content[0]!.text, "echo: lean");

  const streamed = await post(session, STREAM_FIRST, echo(2, "streamed"));
  assert.match(streamed.headers.get("content-type") ?? "", /^text\/event-stream/);
  const [priming, message] = events(await streamed.text());
  assert.equal(priming!.data, "", "the SDK's stream opens with a priming event");
  assert.equal(JSON.parse(message!.data).result.content[0].text, "echo: streamed");
});

test("a call whose progress comes first becomes a resumable SSE stream: priming event, progress, answer", async () => {
  const session = await openSession();
  const response = await post(session, JSON_FIRST, {
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "slow", arguments: { steps: 2, intervalMs: 10 }, _meta: { progressToken: "p3" } },
  });
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const [priming, ...rest] = events(await response.text());
  assert.ok(priming!.id && priming!.data === "", "a priming event with an id comes first");
  const messages = rest.map((event) => JSON.parse(event.data) as Record<string, any>);
  assert.deepEqual(
    messages.map((message) => message.method ?? `answer ${message.id}`),
    ["notifications/progress", "notifications/progress", "answer 3"],
  );
  assert.ok(
    rest.every((event) => event.id?.endsWith(priming!.id!.slice(priming!.id!.indexOf(".")))),
    "every event is numbered in the priming event's stream, so Last-Event-ID resumes it",
  );
});

test("what the SDK transport refuses on an established session it still refuses, with its own answers", async () => {
  const session = await openSession();
  const badVersion = await post(session, JSON_FIRST, echo(4, "x"), { "mcp-protocol-version": "1999-01-01" });
  assert.equal(badVersion.status, 400);
  assert.match(await badVersion.text(), /Unsupported protocol version: 1999-01-01/);
  const notJson = await fetch(url, {
    method: "POST",
    headers: { "content-type": "text/plain", accept: JSON_FIRST, ...session },
    body: JSON.stringify(echo(5, "x")),
  });
  assert.equal(notJson.status, 415);
  const noStream = await post(session, "application/json", echo(6, "x"));
  assert.equal(noStream.status, 406);
  const unknownField = await post(session, JSON_FIRST, { ...echo(7, "x"), extra: true });
  assert.equal(unknownField.status, 400, "a request with a field JSON-RPC does not have is the SDK's parse error");
});

const inFlight = async () =>
  ((await request(gateway.port, { path: "/servers/relay" })).json() as { in_flight: number }).in_flight;

const slow = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "slow", arguments: { steps: 1000, intervalMs: 20 } },
});

test("a call cancelled while nothing of it was sent ends its POST as the SDK ends a stream: no answer, a stream that a resume finds ended", async () => {
  const session = await openSession();
  const pending = post(session, JSON_FIRST, slow(8));
  // The call is in flight at the backend once the gateway counts it.
  await until("the call to reach the backend", async () => (await inFlight()) === 1, 10_000);
  const cancelled = await post(session, JSON_FIRST, {
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 8, reason: "enough" },
  });
  assert.equal(cancelled.status, 202);
  const response = await pending;
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const [priming, ...rest] = events(await response.text());
  assert.deepEqual(rest, [], "no answer to a cancelled request");
  const resumed = await fetch(url, {
    headers: { accept: "text/event-stream", ...session, "last-event-id": priming!.id! },
  });
  assert.equal(resumed.status, 204, "the stream ended for good: nothing to resume");
});

test("a session that ends while a lean POST waits ends that POST, without an answer", async () => {
  const session = await openSession();
  const pending = post(session, JSON_FIRST, slow(9));
  await until("the call to reach the backend", async () => (await inFlight()) === 1, 10_000);
  const ended = await fetch(url, { method: "DELETE", headers: session });
  assert.equal(ended.status, 200);
  const response = await pending;
  assert.deepEqual(events(await response.text()), []);
});
