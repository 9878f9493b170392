// Two clients on one shared stdio backend: their calls never wait for each other, and a backend's
// own request goes only to a client it can be attributed to (or is refused with the reason).
import "reflect-metadata";
import assert from "node:assert/strict";
import { once, EventEmitter } from "node:events";
import { test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { textOf } from "../pipeline/support.js";
import {
  connectClient,
  FULL_CLIENT_CAPABILITIES,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  until,
  type TestContext,
} from "./support.js";

/** A client that answers sampling, elicitation and roots as `marker`. */
function markedClient(t: TestContext, url: string, marker: string): Promise<Client> {
  return connectClient(t, url, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: (c) => {
      c.setRequestHandler(CreateMessageRequestSchema, async () => ({
        model: "m",
        role: "assistant",
        content: { type: "text", text: marker },
      }));
      c.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { colour: marker } }));
      c.setRequestHandler(ListRootsRequestSchema, async () => ({
        roots: [{ uri: `file:///roots/${marker}`, name: marker }],
      }));
    },
  });
}

test("a request that cannot be attributed is refused, and calls of two clients never wait for each other", async (t) => {
  // Roots configured for the server: roots/list is never attributed by calls in flight.
  const roots = [{ uri: "file:///srv/relay", name: "relay" }];
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE, [], { roots })] });
  const a = await markedClient(t, `${gateway.base}/mcp/relay`, "A");
  const b = await markedClient(t, `${gateway.base}/mcp/relay`, "B");

  // A's long call is in flight (its first progress arrived) while B's tool asks for sampling.
  const progressed = new EventEmitter();
  let aDone = false;
  const slow = a
    .callTool({ name: "slow", arguments: { steps: 60, intervalMs: 50 } }, undefined, {
      onprogress: () => progressed.emit("progress"),
    })
    .then((result) => ((aDone = true), result));
  await once(progressed, "progress");
  await assert.rejects(
    b.callTool({ name: "ask", arguments: {} }),
    /sent sampling\/createMessage while 2 client sessions had calls in flight to it; the gateway cannot tell which client it is for/,
  );
  // No turn-taking after that: B's next calls go at once, while A's call still runs.
  assert.equal(textOf(await b.callTool({ name: "echo", arguments: { text: "now" } })), "echo: now");
  assert.equal(aDone, false, "B did not wait behind A's slow call");
  // With A's call over, B is the one client with a call in flight: its tool's requests are B's to answer.
  assert.match(textOf(await slow), /slow done after 60 steps/);
  const asked = JSON.parse(textOf(await b.callTool({ name: "ask", arguments: {} })));
  assert.equal(asked.sampling.content.text, "B");
  assert.equal(asked.elicitation.content.colour, "B");
  assert.deepEqual(asked.roots.roots, roots, "two clients use the backend: its configured roots");
});

test("roots/list sent unprompted: the only client using the backend answers; shared by two, the configured roots or a refusal, never another client's roots", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [
      nodeServer("open", RELAY_FIXTURE, [], { env: { FIXTURE_FETCH_ROOTS: "1" } }),
      nodeServer("fixed", RELAY_FIXTURE, [], {
        env: { FIXTURE_FETCH_ROOTS: "1" },
        roots: [{ uri: "file:///srv/shared", name: "shared" }],
      }),
    ],
  });
  // The fixture records each answer its unprompted roots/list got; its log of it has no client to go to once two share it.
  const rootsAnswers = async (client: Client) =>
    (
      (await client.callTool({ name: "records", arguments: {} })).structuredContent as {
        records: Array<{ type: string; answer?: unknown }>;
      }
    ).records.filter((record) => record.type === "roots");
  const rootsAfterChange = async (client: Client) => {
    const before = (await rootsAnswers(client)).length;
    await client.sendRootsListChanged();
    const answers = await until("the server's roots/list to be answered", async () => {
      const now = await rootsAnswers(client);
      return now.length > before && now;
    });
    return answers.at(-1)!.answer;
  };

  const a = await markedClient(t, `${gateway.base}/mcp/open`, "A");
  assert.deepEqual(
    await rootsAfterChange(a),
    { roots: [{ uri: "file:///roots/A", name: "A" }] },
    "alone: A's own roots",
  );
  const b = await markedClient(t, `${gateway.base}/mcp/open`, "B");
  const refused = (await rootsAfterChange(a)) as { error: string };
  assert.match(
    refused.error,
    /asked for roots\/list, which 2 client sessions share; the gateway does not answer with one client's roots for another/,
  );

  const c = await markedClient(t, `${gateway.base}/mcp/fixed`, "C");
  const d = await markedClient(t, `${gateway.base}/mcp/fixed`, "D");
  assert.deepEqual(await rootsAfterChange(c), { roots: [{ uri: "file:///srv/shared", name: "shared" }] });
  assert.deepEqual(await rootsAfterChange(d), { roots: [{ uri: "file:///srv/shared", name: "shared" }] });
  // B ends its session (DELETE): A is the only client using the backend again.
  await (b.transport as StreamableHTTPClientTransport).terminateSession();
  assert.deepEqual(await rootsAfterChange(a), { roots: [{ uri: "file:///roots/A", name: "A" }] }, "alone again");
});
