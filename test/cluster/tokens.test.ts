import assert from "node:assert/strict";
import { test } from "node:test";
import { auth, initialize, KEYS, listTools, OTHER_SECRET, startReplica } from "./replicas.js";

test("cluster mode: session ids are sealed tokens; a tampered, foreign or other key's token is 404 at once", async (t) => {
  const [a, foreign] = await Promise.all([startReplica(t, "a"), startReplica(t, "x", { secret: OTHER_SECRET })]);
  const token = await initialize(a.base, KEYS.a);
  assert.match(token, /^v1\.[\w-]{8}\.[\w-]{100,}$/);
  assert.ok(token.length < 400, `${token.length} characters`);
  assert.ok(!token.includes("127.0.0.1") && !token.includes(String(a.port)));
  assert.deepEqual(await listTools(a.base, KEYS.a, token), { status: 200, code: undefined, tools: 12 });

  const body = token.split(".")[2]!;
  const tampered = token.replace(body, body.slice(0, 30) + (body[30] === "A" ? "B" : "A") + body.slice(31));
  const foreignToken = await initialize(foreign.base, KEYS.a);
  for (const [label, id, key] of [
    ["tampered", tampered, KEYS.a],
    ["sealed by another cluster's secret", foreignToken, KEYS.a],
    ["opened by key a, used by key b", token, KEYS.b],
    ["not a token at all", crypto.randomUUID(), KEYS.a],
  ] as const) {
    assert.deepEqual(await listTools(a.base, key, id), { status: 404, code: -32001, tools: undefined }, label);
  }
  for (const method of ["GET", "DELETE"]) {
    const response = await fetch(`${a.base}/mcp`, {
      method,
      headers: { ...auth(KEYS.a), accept: "text/event-stream", "mcp-session-id": tampered },
    });
    assert.equal(response.status, 404, method);
    await response.body?.cancel();
  }
  // The owner's own session goes on undisturbed.
  assert.equal((await listTools(a.base, KEYS.a, token)).status, 200);
});

test("a cluster block with a short secret or a bad advertise_url is refused with the key named", async (t) => {
  await assert.rejects(
    startReplica(t, "bad", { secret: "short", cluster: { advertise_url: "https://gw:4444/x" } }),
    (error: Error) =>
      /cluster\.session_secret: a session secret must be at least 32 bytes/.test(error.message) &&
      /cluster\.advertise_url: advertise_url is how the other replicas reach this one/.test(error.message),
  );
});
