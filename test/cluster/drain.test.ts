import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { request } from "../helpers/http.js";
import { auth, initialize, KEYS, listTools, startReplica } from "./replicas.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

test("SIGTERM: /ready 503 at once, the call in flight finishes with all its progress, peers still reach the session, exit 0, no child left; then a peer adopts it", async (t) => {
  const [owner, peer] = await Promise.all([
    // Long enough for the steps below to reach the owner before it stops taking new requests, on a busy machine too.
    startReplica(t, "draining", { cluster: { drain_delay_seconds: 3 } }),
    startReplica(t, "peer"),
  ]);
  const client = new Client({ name: "drain-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${owner.base}/mcp/relay`), {
    requestInit: { headers: auth(KEYS.a) },
  });
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));
  const sessionId = transport.sessionId!;

  const progress: number[] = [];
  let firstProgress!: () => void;
  const started = new Promise<void>((resolve) => (firstProgress = resolve));
  const call = client.callTool({ name: "slow", arguments: { steps: 12, intervalMs: 150 } }, undefined, {
    onprogress: ({ progress: step }) => {
      progress.push(step);
      firstProgress();
    },
  });
  await started;
  const child = (await request(owner.port, { path: "/servers/relay", headers: auth(KEYS.a) })).json().pid as number;
  assert.equal(typeof child, "number");

  owner.child.process.kill("SIGTERM");
  await owner.child.waitForStderr(/Draining: \/ready answers 503/);
  assert.equal((await request(owner.port, { path: "/ready" })).status, 503);
  assert.equal((await request(owner.port, { path: "/health" })).status, 200);
  await assert.rejects(initialize(owner.base, KEYS.a), /initialize answered 503/);
  // The session is still served by its owner, relayed from a peer on a new connection.
  assert.deepEqual(await listTools(peer.base, KEYS.a, sessionId, "/mcp/relay"), {
    status: 200,
    code: undefined,
    tools: 12,
  });

  assert.equal(text(await call), "slow done after 12 steps");
  assert.deepEqual(
    progress,
    Array.from({ length: 12 }, (_, index) => index + 1),
  );
  const exit = await owner.child.exited;
  assert.equal(exit.code, 0, exit.stderr);
  assert.throws(() => process.kill(child, 0), { code: "ESRCH" }, "the backend stopped with the gateway");
  // A session of shared backends outlives its owner: the peer adopts it.
  assert.deepEqual(await listTools(peer.base, KEYS.a, sessionId, "/mcp/relay"), {
    status: 200,
    code: undefined,
    tools: 12,
  });
});
