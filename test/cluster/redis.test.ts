import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { request } from "../helpers/http.js";
import { startRedis } from "./redis.js";
import { auth, initialize, KEYS, listTools, startReplica, type Replica } from "./replicas.js";

const report = async (replica: Replica) =>
  (await (await fetch(`${replica.base}/cluster`, { headers: auth(KEYS.a) })).json()) as Record<string, any>;

/** Polls (every 50 ms, 10 s at most) until `check` holds: the state waited for lives in another process. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Never a hang: 5 s at most. */
function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 5 s")), 5000).unref()),
  ]);
}

test("with Redis, a frozen owner is known gone by its heartbeat (no connect, no hang): its session is adopted; a deleted one never is", async (t) => {
  const redis = await startRedis(t);
  const cluster = { redis_url: redis.url, heartbeat_seconds: 0.2 };
  const [owner, peer] = await Promise.all([
    startReplica(t, "frozen", { cluster }),
    startReplica(t, "peer", { cluster }),
  ]);
  const watcher = new Redis(redis.url);
  watcher.on("error", () => {});
  t.after(() => watcher.disconnect());
  const { epoch } = await report(owner);
  await until("the owner beats", async () => (await watcher.exists(`mcpgw:replica:${epoch}`)) === 1);

  const kept = await initialize(owner.base, KEYS.a, "/mcp/relay");
  const ended = await initialize(owner.base, KEYS.a, "/mcp/relay");
  const deleted = await fetch(`${owner.base}/mcp/relay`, {
    method: "DELETE",
    headers: { ...auth(KEYS.a), "mcp-session-id": ended },
  });
  assert.equal(deleted.status, 200);

  // A stopped process still completes TCP handshakes: only the heartbeat can tell it is gone.
  owner.child.process.kill("SIGSTOP");
  await until("the heartbeat expires", async () => (await watcher.exists(`mcpgw:replica:${epoch}`)) === 0);
  assert.deepEqual(await within(listTools(peer.base, KEYS.a, kept, "/mcp/relay")), {
    status: 200,
    code: undefined,
    tools: 12,
  });
  assert.deepEqual(await within(listTools(peer.base, KEYS.a, ended, "/mcp/relay")), {
    status: 404,
    code: -32001,
    tools: undefined,
  });
  const counters = await report(peer);
  assert.equal(counters.redis, "up");
  assert.equal(counters.adopted_total, 1);
  assert.equal(counters.forwarded_total, 0, "nothing was sent to the frozen owner");
});

test("Redis stopped mid-test: sessions keep working through the relay, /ready stays 200, a dead owner is still found", async (t) => {
  const redis = await startRedis(t);
  const cluster = { redis_url: redis.url, heartbeat_seconds: 0.2 };
  const [owner, peer] = await Promise.all([startReplica(t, "r-1", { cluster }), startReplica(t, "r-2", { cluster })]);
  await until(
    "both reach Redis",
    async () => (await report(owner)).redis === "up" && (await report(peer)).redis === "up",
  );
  const sessionId = await initialize(owner.base, KEYS.a, "/mcp/relay");

  await redis.stop();
  await until("the peer sees Redis down", async () => (await report(peer)).redis === "down");
  assert.equal((await listTools(peer.base, KEYS.a, sessionId, "/mcp/relay")).status, 200);
  assert.equal((await report(peer)).forwarded_total, 1);
  for (const replica of [owner, peer]) {
    assert.equal((await request(replica.port, { path: "/ready" })).status, 200);
    assert.equal((await request(replica.port, { path: "/health" })).status, 200);
  }
  const fresh = await initialize(peer.base, KEYS.a, "/mcp/relay");
  assert.equal((await listTools(owner.base, KEYS.a, fresh, "/mcp/relay")).status, 200);

  owner.child.process.kill("SIGKILL");
  await owner.child.exited;
  // Without Redis the refused connection tells: the session is adopted.
  assert.equal((await within(listTools(peer.base, KEYS.a, sessionId, "/mcp/relay"))).status, 200);
  assert.equal((await report(peer)).adopted_total, 1);
});
