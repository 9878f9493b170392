// The input bridge (docs/protocol-eras.md): a 2025-11-25 backend's sampling, elicitation and roots
// requests during a 2026-07-28 client's call become `input_required`; the retry resumes the parked call.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { MODERN, modernPost, type Posted } from "../helpers/modern.js";
import { textOf } from "../pipeline/support.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, until } from "./support.js";

function call(
  url: string,
  name: string,
  extra: Record<string, unknown> = {},
  capabilities: Record<string, unknown> = {},
): Promise<Posted> {
  return modernPost(
    url,
    "tools/call",
    { name, arguments: {}, ...extra },
    { meta: { "io.modelcontextprotocol/clientCapabilities": capabilities } },
  );
}

test("a v2 client answers a legacy backend's sampling, elicitation and roots through input_required rounds", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const client = new ModernClient(
    { name: "bridge-test", version: "1.0.0" },
    {
      versionNegotiation: { mode: { pin: MODERN } },
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} },
    },
  );
  client.setRequestHandler("sampling/createMessage", async () => ({
    model: "test-model",
    role: "assistant",
    content: { type: "text", text: "hi from the modern client" },
  }));
  client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { colour: "teal" } }));
  client.setRequestHandler("roots/list", async () => ({ roots: [{ uri: "file:///work", name: "work" }] }));
  await client.connect(new ModernTransport(new URL(`${gateway.base}/mcp/relay`)));
  t.after(() => client.close());

  const answered = JSON.parse(textOf((await client.callTool({ name: "ask", arguments: {} })) as never));
  assert.equal(answered.sampling.content.text, "hi from the modern client");
  assert.deepEqual(answered.elicitation, { action: "accept", content: { colour: "teal" } });
  assert.deepEqual(answered.roots, { roots: [{ uri: "file:///work", name: "work" }] });
  assert.equal(gateway.relay.parked.size, 0, "nothing left parked");
});

test("the raw rounds: input_required with a signed state; a missing answer is asked again; a tampered state is -32602", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const url = `${gateway.base}/mcp/relay`;
  const all = { sampling: {}, elicitation: {}, roots: {} };

  const first = await call(url, "ask", {}, all);
  assert.equal(first.status, 200);
  const round = first.body.result!;
  assert.equal(round.resultType, "input_required");
  assert.deepEqual(Object.keys(round.inputRequests as object), ["sampling"]);
  assert.equal((round.inputRequests as Record<string, { method: string }>).sampling.method, "sampling/createMessage");
  const state = String(round.requestState);
  assert.match(state, /^v1\./, "the SDK codec's signed state");

  const tampered = await call(url, "ask", { inputResponses: {}, requestState: `${state}x` }, all);
  assert.equal(tampered.body.error?.code, -32602);
  assert.match(tampered.body.error!.message, /Invalid or expired requestState/);

  // Posteded with the wrong key: the same question again, under a new state.
  const again = await call(url, "ask", { inputResponses: { other: { action: "accept" } }, requestState: state }, all);
  assert.equal(again.body.result?.resultType, "input_required");
  assert.deepEqual(Object.keys(again.body.result!.inputRequests as object), ["sampling"]);
  const second = String(again.body.result!.requestState);
  assert.notEqual(second, state);
  // The first state's call moved on: it is no longer good.
  const stale = await call(url, "ask", { inputResponses: {}, requestState: state }, all);
  assert.equal(stale.body.error?.code, -32602);

  const sampled = await call(
    url,
    "ask",
    {
      inputResponses: { sampling: { model: "m", role: "assistant", content: { type: "text", text: "ok" } } },
      requestState: second,
    },
    all,
  );
  assert.deepEqual(Object.keys(sampled.body.result!.inputRequests as object), ["elicitation"]);
  const elicited = await call(
    url,
    "ask",
    { inputResponses: { elicitation: { action: "decline" } }, requestState: String(sampled.body.result!.requestState) },
    all,
  );
  assert.deepEqual(Object.keys(elicited.body.result!.inputRequests as object), ["roots"]);
  const done = await call(
    url,
    "ask",
    { inputResponses: { roots: { roots: [] } }, requestState: String(elicited.body.result!.requestState) },
    all,
  );
  assert.equal(done.body.result?.resultType, "complete");
  const answers = JSON.parse((done.body.result!.content as Array<{ text: string }>)[0]!.text);
  assert.deepEqual(answers.elicitation, { action: "decline" });
  assert.deepEqual(answers.roots, { roots: [] });
});

test("a call never retried: after input_wait_seconds the backend is answered and the state is refused", async (t) => {
  const gateway = await startHttpGateway(t, {
    plugins: { "http-frontend": { input_wait_seconds: 1 } },
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
  const url = `${gateway.base}/mcp/relay`;
  const first = await call(url, "ask", {}, { sampling: {} });
  assert.equal(first.body.result?.resultType, "input_required");
  assert.equal(gateway.relay.parked.size, 1);
  await until("the parked call expired", () => gateway.relay.parked.size === 0, 5_000);
  await until("the backend call ended", () => gateway.relay.calls.busy("relay").length === 0, 5_000);
  const late = await call(
    url,
    "ask",
    { inputResponses: {}, requestState: first.body.result!.requestState },
    { sampling: {} },
  );
  assert.equal(late.body.error?.code, -32602);
  // The backend is free for the next call.
  const next = await call(url, "echo", { arguments: { text: "after" } });
  assert.equal(next.body.result?.resultType, "complete");
});

test("a shared stdio backend's question while another call is in flight is refused to the backend, not guessed", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const url = `${gateway.base}/mcp/relay`;
  const slow = call(url, "slow", { arguments: { steps: 40, intervalMs: 50 } });
  await until("the slow call is in flight", () => gateway.relay.calls.busy("relay").length === 1);
  const asked = await call(url, "ask", {}, { sampling: {}, elicitation: {}, roots: {} });
  assert.notEqual(asked.body.result?.resultType, "input_required", JSON.stringify(asked.body));
  assert.match(JSON.stringify(asked.body), /cannot tell which client it is for/);
  assert.equal(gateway.relay.parked.size, 0);
  assert.equal((await slow).body.result?.resultType, "complete");
});
