import assert from "node:assert/strict";
import { test } from "node:test";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { UNTIMED_MS } from "../../src/supervisor/CallDeadline.js";
import { GatewayClient } from "../../src/supervisor/GatewayClient.js";

/** The SDK's timers for a client's requests in flight (its private bookkeeping, read to see what it armed). */
const sdkTimers = (client: GatewayClient) => (client as unknown as { _timeoutInfo: Map<number, unknown> })._timeoutInfo;

test("a call the gateway times itself arms no SDK timer; any other request keeps the SDK's", async () => {
  const server = new Server({ name: "slow", version: "1" }, { capabilities: { tools: {} } });
  const answers: Array<() => void> = [];
  server.fallbackRequestHandler = () => new Promise((resolve) => answers.push(() => resolve({ content: [] })));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new GatewayClient({ name: "gw", version: "1" }, { capabilities: {} });
  await client.connect(clientSide);
  try {
    const untimed = client.requestAsSent({ method: "tools/call", params: { name: "x" } }, { timeout: UNTIMED_MS });
    assert.equal(sdkTimers(client).size, 0, "no SDK timer for a call timed by CallDeadline");
    const timed = client.requestAsSent({ method: "tools/call", params: { name: "y" } }, { timeout: 60_000 });
    assert.equal(sdkTimers(client).size, 1, "the SDK's timer for a request with a timeout of its own");
    while (answers.length < 2) await new Promise((resolve) => setImmediate(resolve));
    for (const answer of answers) answer();
    assert.deepEqual(await untimed, { content: [] });
    assert.deepEqual(await timed, { content: [] });
    assert.equal(sdkTimers(client).size, 0);
  } finally {
    await client.close();
    await server.close();
  }
});
