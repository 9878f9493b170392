// http-frontend's SessionEventStore on its own: what a resume replays, and the bound (the HTTP side is
// test/http/resumable.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { SessionEventStore } from "../../plugins/http-frontend/SessionEventStore.js";

const PRIMING = {} as JSONRPCMessage;
const progress = (n: number): JSONRPCMessage => ({
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progressToken: "t", progress: n },
});

async function replay(store: SessionEventStore, lastEventId: string): Promise<{ stream: string; sent: unknown[] }> {
  const sent: unknown[] = [];
  const stream = await store.replayEventsAfter(lastEventId, {
    send: async (_id, message) => void sent.push(message),
  });
  return { stream, sent };
}

test("a resume replays its own stream's events after the given one, priming events left out", async () => {
  const store = new SessionEventStore(1_000_000);
  const start = await store.storeEvent("a", PRIMING);
  const a1 = await store.storeEvent("a", progress(1));
  await store.storeEvent("b", progress(100));
  await store.storeEvent("a", PRIMING);
  await store.storeEvent("a", progress(2));
  assert.deepEqual(await replay(store, a1), { stream: "a", sent: [progress(2)] });
  assert.deepEqual(await replay(store, start), { stream: "a", sent: [progress(1), progress(2)] });
  assert.equal(store.canResume(a1), true);
});

test("ids not issued by this session cannot be resumed", async () => {
  const store = new SessionEventStore(1_000_000);
  const id = await store.storeEvent("a", progress(1));
  assert.match(id, /^1\.a$/);
  for (const foreign of ["", "a", "1", "x.a", "0.a", "2.a", "1.b", "99999999999999999999.a"])
    assert.equal(store.canResume(foreign), false, foreign);
  await assert.rejects(replay(store, "2.a"), /Last-Event-ID '2\.a' was not issued by this session/);
});

test("past the bound the oldest events go, whatever their stream; the newest stays even when larger than the bound", async () => {
  const store = new SessionEventStore(600);
  const ids: string[] = [];
  for (let n = 1; n <= 10; n++) ids.push(await store.storeEvent(n === 1 ? "old" : "a", progress(n)));
  assert.equal(store.canResume(ids[0]!), false, "the only event of stream 'old' was dropped, and its stream with it");
  const { sent } = await replay(store, ids[1]!);
  const kept = sent.map((message) => (message as { params: { progress: number } }).params.progress);
  assert.ok(kept.length > 0 && kept.length < 9, `some but not all were kept: ${kept.join(",")}`);
  assert.deepEqual(
    kept,
    Array.from({ length: kept.length }, (_, i) => 11 - kept.length + i),
    "the newest are kept",
  );

  const huge: JSONRPCMessage = { jsonrpc: "2.0", id: 1, result: { text: "x".repeat(5000) } };
  const hugeId = await store.storeEvent("a", huge);
  assert.deepEqual((await replay(store, ids[9]!)).sent, [huge], "an event over the bound alone is still kept");
  assert.equal(store.canResume(hugeId), true);
});

test("clear (the session ended) drops everything", async () => {
  const store = new SessionEventStore(1_000_000);
  const id = await store.storeEvent("a", PRIMING);
  await store.storeEvent("a", progress(1));
  store.clear();
  assert.equal(store.canResume(id), false);
  assert.deepEqual((await replay(store, id)).sent, []);
});

test("events taken over from another replica's store resume here, in order; new ids come after them; a call's stream without its answer ends", async () => {
  const owner = new SessionEventStore(1_000_000);
  const shared: Array<{ id: string; json?: string }> = [];
  owner.onStored = (event) => void shared.push(event);
  const get = await owner.storeEvent("_GET_stream", PRIMING);
  const g1 = await owner.storeEvent("_GET_stream", progress(1));
  const answered = await owner.storeEvent("post-a", PRIMING);
  await owner.storeEvent("post-a", { jsonrpc: "2.0", id: 7, result: {} });
  const cut = await owner.storeEvent("post-b", PRIMING);
  await owner.storeEvent("_GET_stream", progress(2));
  assert.equal(shared.length, 6, "every event, priming ones included, is told");
  assert.equal(shared[0]!.json, undefined);

  const adopter = new SessionEventStore(1_000_000);
  adopter.load([...shared].reverse());
  assert.deepEqual(await replay(adopter, get), { stream: "_GET_stream", sent: [progress(1), progress(2)] });
  assert.deepEqual(await replay(adopter, g1), { stream: "_GET_stream", sent: [progress(2)] });
  assert.deepEqual(await replay(adopter, answered), {
    stream: "post-a",
    sent: [{ jsonrpc: "2.0", id: 7, result: {} }],
  });
  assert.equal(adopter.endedWithoutAnswer(cut), true, "its call died with the owner: nothing to wait for");
  assert.equal(adopter.endedWithoutAnswer(answered), false);
  assert.equal(await adopter.storeEvent("_GET_stream", progress(3)), "7._GET_stream");
});
