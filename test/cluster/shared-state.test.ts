// What replicas share of a session beyond its token: its streams' events (Last-Event-ID through any
// replica, also after the owner died and the session was adopted), the facts it learned after
// initialize (subscriptions, log level) through Redis, also after Redis restarted empty, which replica
// adopted a session (claimed by one of two racing replicas), and a backend's request answered through
// another replica. Real replicas, real redis-server, raw HTTP where the wire is checked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { Redis } from "ioredis";
import { request } from "../helpers/http.js";
import { sseEvents, type SseEvent } from "../helpers/sse.js";
import { until } from "../http/support.js";
import { startRedis, type RedisProcess } from "./redis.js";
import { auth, initialize, KEYS, startReplica, type Replica, type TestContext } from "./replicas.js";

type Message = Record<string, any>;

const ROUTE = "/mcp/relay";
const WATCHED = "relay://watched";

const report = async (replica: Replica) =>
  (await (await fetch(`${replica.base}/cluster`, { headers: auth(KEYS.a) })).json()) as Record<string, any>;

function sessionHeaders(sessionId: string): Record<string, string> {
  return { ...auth(KEYS.a), "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
}

/** Never a hang: 10 s at most for anything a test awaits from a replica. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000).unref()),
  ]);
}

/** One request on a session: every message of its answer (a JSON body, or its SSE stream up to the answer). */
async function rpc(
  base: string,
  sessionId: string,
  id: number,
  method: string,
  params: Record<string, unknown>,
): Promise<Message[]> {
  const response = await fetch(`${base}${ROUTE}`, {
    method: "POST",
    headers: {
      ...sessionHeaders(sessionId),
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) assert.fail(`${method} answered ${response.status}: ${await response.text()}`);
  if (response.headers.get("content-type")?.startsWith("application/json")) return [(await response.json()) as Message];
  const messages: Message[] = [];
  for await (const event of sseEvents(response)) {
    if (event.data === "") continue;
    messages.push(JSON.parse(event.data));
    if (messages.at(-1)!.id === id) break;
  }
  return messages;
}

async function ok(base: string, sessionId: string, id: number, method: string, params: Record<string, unknown>) {
  const answer = (await rpc(base, sessionId, id, method, params)).find((message) => message.id === id);
  assert.ok(answer && "result" in answer, `${method} answered ${JSON.stringify(answer)}`);
  return answer.result as Record<string, any>;
}

const touch = (base: string, sessionId: string, id: number) =>
  ok(base, sessionId, id, "tools/call", { name: "touch", arguments: {} });

/** A session's standalone GET stream (resumed after `lastEventId` if given), read event by event. */
async function openStream(base: string, sessionId: string, lastEventId?: string) {
  const connection = new AbortController();
  const response = await fetch(`${base}${ROUTE}`, {
    headers: {
      ...sessionHeaders(sessionId),
      accept: "text/event-stream",
      ...(lastEventId && { "last-event-id": lastEventId }),
    },
    signal: connection.signal,
  });
  if (response.status !== 200) assert.fail(`the GET stream answered ${response.status}: ${await response.text()}`);
  const events = sseEvents(response);
  return {
    async next(): Promise<SseEvent> {
      const { value, done } = await within(events.next(), "event on the GET stream");
      assert.ok(!done, "the GET stream ended");
      return value;
    },
    close: () => connection.abort(),
  };
}

/** The next resources/updated on a stream (its priming event skipped): its event id. */
async function nextUpdate(stream: Awaited<ReturnType<typeof openStream>>): Promise<string> {
  for (;;) {
    const event = await stream.next();
    if (event.data === "") continue;
    const message = JSON.parse(event.data) as Message;
    assert.equal(message.method, "notifications/resources/updated", event.data);
    assert.equal(message.params.uri, WATCHED);
    return event.id!;
  }
}

const seqOf = (eventId: string) => Number(eventId.split(".")[0]);

/** The levels of the log messages a `log` call sends its caller (the fixture sends every level its backend allows). */
async function loggedLevels(base: string, sessionId: string, id: number): Promise<string[]> {
  const messages = await rpc(base, sessionId, id, "tools/call", { name: "log", arguments: {} });
  return messages
    .filter((message) => message.method === "notifications/message")
    .map((message) => message.params.level);
}

async function redisWatcher(t: TestContext, redis: RedisProcess): Promise<Redis> {
  const watcher = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  watcher.on("error", () => {});
  await watcher.connect();
  t.after(() => watcher.disconnect());
  return watcher;
}

/** How many resources/updated events the replicas have shared in Redis so far, over every session. */
async function sharedUpdates(watcher: Redis): Promise<number> {
  let count = 0;
  for (const key of await watcher.keys("mcpgw:ev:*"))
    for (const [, fields] of await watcher.xrange(key, "-", "+"))
      if (fields.some((field) => field.includes("notifications/resources/updated"))) count += 1;
  return count;
}

/** Replicas sharing `redis`, once each reaches it. */
async function startReplicas(t: TestContext, redis: RedisProcess, names: readonly string[]): Promise<Replica[]> {
  const cluster = { redis_url: redis.url, heartbeat_seconds: 0.2 };
  const replicas = await Promise.all(names.map((name) => startReplica(t, name, { cluster })));
  for (const replica of replicas)
    await until(`${replica.base} reaches Redis`, async () => (await report(replica)).redis === "up");
  return replicas;
}

test("K5: a GET stream resumed with Last-Event-ID through another replica loses nothing, also after its owner was killed and the session adopted with its subscription and log level", async (t) => {
  const redis = await startRedis(t);
  const watcher = await redisWatcher(t, redis);
  const [owner, peer, third] = await startReplicas(t, redis, ["owner", "peer", "third"]);
  const watching = await initialize(owner.base, KEYS.a, ROUTE);
  const toucher = await initialize(owner.base, KEYS.a, ROUTE);
  // Told through the peer: relayed, so the owner learns them (and records them in Redis).
  await ok(peer.base, watching, 2, "resources/subscribe", { uri: WATCHED });
  await ok(peer.base, watching, 3, "logging/setLevel", { level: "error" });
  assert.deepEqual(await loggedLevels(peer.base, watching, 4), ["error", "critical", "alert", "emergency"]);

  const seen: string[] = [];
  let stream = await openStream(peer.base, watching);
  await touch(owner.base, toucher, 10);
  seen.push(await nextUpdate(stream));
  stream.close();
  // Sent while the client had no stream open: kept for its resume.
  await touch(owner.base, toucher, 11);
  await touch(owner.base, toucher, 12);
  stream = await openStream(peer.base, watching, seen.at(-1));
  seen.push(await nextUpdate(stream), await nextUpdate(stream));
  stream.close();
  const beforeDeath = seen.at(-1)!;
  await touch(owner.base, toucher, 13);
  await touch(owner.base, toucher, 14);
  await until("the owner shared its five updates", async () => (await sharedUpdates(watcher)) === 5);
  assert.equal((await report(peer)).forwarded_total, 5, "every request of the session went through the owner");

  owner.child.process.kill("SIGKILL");
  await owner.child.exited;
  // The resume after the owner's death: the peer adopts the session and replays what it missed.
  stream = await openStream(peer.base, watching, beforeDeath);
  const missed = [await nextUpdate(stream), await nextUpdate(stream)];
  seen.push(...missed);
  // The subscription was made again at the peer's own copy of the backend: a change there reaches the client.
  const local = await initialize(peer.base, KEYS.a, ROUTE);
  assert.equal((await touch(peer.base, local, 20)).structuredContent.notified, true);
  const fresh = await nextUpdate(stream);
  seen.push(fresh);
  stream.close();

  assert.equal(new Set(seen).size, seen.length, `no event twice: ${seen.join(" ")}`);
  const seqs = seen.map(seqOf);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    `in order: ${seen.join(" ")}`,
  );
  assert.ok(seqOf(missed[0]!) > seqOf(beforeDeath), "the replay starts after the event the client had");
  // The log level it set at its first owner holds at the adopter.
  assert.deepEqual(await loggedLevels(peer.base, watching, 21), ["error", "critical", "alert", "emergency"]);
  assert.equal((await report(peer)).adopted_total, 1);
  // The side table names the adopter: a third replica relays the session there instead of adopting it too.
  await ok(third.base, watching, 22, "tools/call", { name: "echo", arguments: { text: "via third" } });
  const thirds = await report(third);
  assert.deepEqual([thirds.forwarded_total, thirds.adopted_total], [1, 0]);
});

test("K6: a backend's sampling, elicitation and roots requests answered through another replica reach the owner's pending call", async (t) => {
  const [owner, peer] = await Promise.all([startReplica(t, "asker"), startReplica(t, "answers")]);
  const client = new Client(
    { name: "cluster-test", version: "1.0.0" },
    { capabilities: { sampling: {}, elicitation: {}, roots: {} } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: "m",
    role: "assistant",
    content: { type: "text", text: "hi" },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { colour: "green" } }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: "file:///tmp", name: "tmp" }] }));
  let answersViaPeer = 0;
  const transport = new StreamableHTTPClientTransport(new URL(`${owner.base}${ROUTE}`), {
    requestInit: { headers: auth(KEYS.a) },
    // The client's answers (JSON-RPC responses) land on the other replica; everything else on the owner.
    fetch: (url, init) => {
      const body = typeof init?.body === "string" ? (JSON.parse(init.body) as Message) : undefined;
      if (!body || !("result" in body || "error" in body)) return fetch(url, init);
      answersViaPeer += 1;
      return fetch(String(url).replace(owner.base, peer.base), init);
    },
  });
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));

  const result = await within(client.callTool({ name: "ask", arguments: {} }), "answer to the call");
  const answers = result.structuredContent as Record<string, any>;
  assert.deepEqual(answers.elicitation, { action: "accept", content: { colour: "green" } });
  assert.equal(answers.sampling.content.text, "hi");
  assert.deepEqual(answers.roots, { roots: [{ uri: "file:///tmp", name: "tmp" }] });
  assert.equal(answersViaPeer, 3);
  assert.equal((await report(peer)).forwarded_total, 3);
  // Nothing left pending at the owner: the session goes on.
  const again = await within(client.callTool({ name: "echo", arguments: { text: "after" } }), "echo");
  assert.deepEqual(again.content, [{ type: "text", text: "echo: after" }]);
});

test("K7: Redis stopped mid-test and restarted empty: sessions, streams and readiness carry on; the owner shares its sessions' facts again, also those learned meanwhile, and an adopter takes them over", async (t) => {
  const redis = await startRedis(t);
  const [owner, peer] = await startReplicas(t, redis, ["owner", "peer"]);
  const watching = await initialize(owner.base, KEYS.a, ROUTE);
  const toucher = await initialize(owner.base, KEYS.a, ROUTE);
  await ok(peer.base, watching, 2, "resources/subscribe", { uri: WATCHED });

  await redis.stop();
  await until("the peer sees Redis down", async () => (await report(peer)).redis === "down");
  // Through the relay, a stream, a resume and a new fact: all work without Redis.
  const stream = await openStream(peer.base, watching);
  await touch(owner.base, toucher, 10);
  const first = await nextUpdate(stream);
  stream.close();
  await touch(owner.base, toucher, 11);
  const resumed = await openStream(peer.base, watching, first);
  assert.ok(seqOf(await nextUpdate(resumed)) > seqOf(first));
  resumed.close();
  await ok(peer.base, watching, 3, "logging/setLevel", { level: "warning" });
  for (const replica of [owner, peer]) {
    assert.equal((await request(replica.port, { path: "/ready" })).status, 200);
    assert.equal((await request(replica.port, { path: "/health" })).status, 200);
  }

  // Nothing is saved: the restarted Redis knows neither the subscription (made before) nor the level (made meanwhile).
  const restarted = await startRedis(t, redis.port);
  const watcher = await redisWatcher(t, restarted);
  await until("the owner shared its session's subscription and level again", async () => {
    for (const key of await watcher.keys("mcpgw:s:*"))
      if ((await watcher.hget(key, "level")) === "warning" && (await watcher.hexists(key, `sub:${WATCHED}`)) === 1)
        return true;
    return false;
  });

  owner.child.process.kill("SIGKILL");
  await owner.child.exited;
  assert.deepEqual(await loggedLevels(peer.base, watching, 5), ["warning", "error", "critical", "alert", "emergency"]);
  assert.equal((await report(peer)).adopted_total, 1);
  // The adopter subscribed its own copy of the backend: a change there is announced.
  const local = await initialize(peer.base, KEYS.a, ROUTE);
  assert.equal((await touch(peer.base, local, 6)).structuredContent.notified, true);
});

test("K12: two replicas asked at the same instant for a killed owner's session: one adopts it, the other relays to it, and later calls through either reach the same upstream", async (t) => {
  const redis = await startRedis(t);
  const watcher = await redisWatcher(t, redis);
  const [owner, left, right] = await startReplicas(t, redis, ["owner", "left", "right"]);
  const session = await initialize(owner.base, KEYS.a, ROUTE);
  const { epoch } = await report(owner);

  owner.child.process.kill("SIGKILL");
  await owner.child.exited;
  // Both replicas know the owner gone (no heartbeat) before either is asked: the two requests race for the session.
  await until("the owner's heartbeat expired", async () => (await watcher.exists(`mcpgw:replica:${epoch}`)) === 0);
  const echoes = await Promise.all(
    [left, right].map((replica, index) =>
      ok(replica.base, session, 2 + index, "tools/call", { name: "echo", arguments: { text: "race" } }),
    ),
  );
  assert.deepEqual(
    echoes.map((result) => result.content),
    [0, 1].map(() => [{ type: "text", text: "echo: race" }]),
  );
  const counters = await Promise.all([left, right].map(report));
  assert.equal(counters[0]!.adopted_total + counters[1]!.adopted_total, 1, "exactly one replica adopted the session");
  assert.equal(counters[0]!.forwarded_total + counters[1]!.forwarded_total, 1, "the other relayed its request there");

  // The fixture counts its own touches: one copy of the backend answers both replicas (each replica runs its own).
  const version = async (replica: Replica, id: number) =>
    JSON.parse((await touch(replica.base, session, id)).content[0].text).version as number;
  const viaLeft = await version(left, 10);
  assert.equal(await version(right, 11), viaLeft + 1);
  assert.equal(await version(left, 12), viaLeft + 2);
});
