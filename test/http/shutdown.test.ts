import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectClient, nodeServer, RELAY_FIXTURE, startHttpGateway } from "./support.js";
import { request } from "../helpers/http.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

test("stopping the gateway lets an HTTP call in flight finish and answer, then closes the socket", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const client = await connectClient(t, `${gateway.base}/mcp/relay`);
  let progressSeen!: () => void;
  const started = new Promise<void>((resolve) => (progressSeen = resolve));
  const call = client.callTool({ name: "slow", arguments: { steps: 8, intervalMs: 50 } }, undefined, {
    onprogress: () => progressSeen(),
  });
  await started;
  const stopped = gateway.kernel.stop();
  assert.equal(text(await call), "slow done after 8 steps");
  await stopped;
  await assert.rejects(request(gateway.port, { path: "/health" }), /ECONNREFUSED/);
});
