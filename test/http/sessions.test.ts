// Two clients at once: on a shared backend each gets its own server-to-client requests, never the
// other's; with `isolation: session` each session has its own backend process, stopped with the session.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import type { ServerStateChange } from "../../src/kernel/hooks.js";
import {
  connectClient,
  FULL_CLIENT_CAPABILITIES,
  nextEvent,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
} from "./support.js";

function answering(marker: string, nested?: { enabled: boolean }) {
  return (client: Client) => {
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      // A client may call the same server again while answering it (e.g. an agent loop).
      const extra = nested?.enabled
        ? ` + ${((await client.callTool({ name: "relay__echo", arguments: { text: marker } })).content as Array<{ text: string }>)[0]!.text}`
        : "";
      return { model: "m", role: "assistant", content: { type: "text", text: `sampled by ${marker}${extra}` } };
    });
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: { colour: `colour of ${marker}` },
    }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file:///roots/${marker}` }] }));
  };
}

/** The markers an `ask` result carries, or the error text. */
function markersOf(outcome: PromiseSettledResult<CallToolResult>): string {
  if (outcome.status === "rejected") return `rejected: ${String(outcome.reason)}`;
  const answers = outcome.value.structuredContent as Record<string, any> | undefined;
  if (!answers) return `error result: ${JSON.stringify(outcome.value.content)}`;
  return [answers.sampling?.content?.text, answers.elicitation?.content?.colour, answers.roots?.roots?.[0]?.uri].join(
    " | ",
  );
}

const expected = (marker: string) => `sampled by ${marker} | colour of ${marker} | file:///roots/${marker}`;

test("two clients on one shared backend: each answers only its own sampling, elicitation and roots", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const nested = { enabled: false };
  const clients = await Promise.all(
    ["alpha", "beta"].map((marker, index) =>
      connectClient(t, `${gateway.base}${index === 0 ? "/mcp" : "/sse"}`, {
        capabilities: FULL_CLIENT_CAPABILITIES,
        setup: answering(marker, index === 0 ? nested : undefined),
      }),
    ),
  );
  const ask = (client: Client) => client.callTool({ name: "relay__ask", arguments: {} }) as Promise<CallToolResult>;

  // Overlapping asks: each is answered by its own client, or refused with the reason; never by the other client.
  for (let round = 0; round < 3; round++) {
    const outcomes = await Promise.allSettled(clients.map(ask));
    for (const [index, own, other] of [
      [0, "alpha", "beta"],
      [1, "beta", "alpha"],
    ] as const) {
      const seen = markersOf(outcomes[index]!);
      assert.ok(!seen.includes(other), `round ${round}: client ${own} never sees ${other}'s answers: ${seen}`);
      assert.ok(seen === expected(own) || /the gateway cannot tell which client it is for/.test(seen), seen);
    }
  }
  // One at a time, each client answers its own.
  for (const [index, own] of [
    [0, "alpha"],
    [1, "beta"],
  ] as const) {
    assert.equal(markersOf({ status: "fulfilled", value: await ask(clients[index]!) }), expected(own));
  }
  // Alpha calls the server again while answering its sampling request: its own second call goes ahead (no deadlock).
  nested.enabled = true;
  assert.equal(
    markersOf({ status: "fulfilled", value: await ask(clients[0]!) }),
    expected("alpha").replace("sampled by alpha", "sampled by alpha + echo: alpha"),
  );
  nested.enabled = false;
  // A call of one session that needs no answer does not wait behind nothing: both finish.
  const echoes = await Promise.all(
    clients.map((client, index) => client.callTool({ name: "relay__echo", arguments: { text: String(index) } })),
  );
  assert.deepEqual(
    echoes.map((result) => (result.content as Array<{ text: string }>)[0]!.text),
    ["echo: 0", "echo: 1"],
  );
});

test("isolation: session: two sessions get two backend processes; closing a session stops its backend", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("iso", RELAY_FIXTURE, [], { isolation: "session" })],
  });
  const changes: ServerStateChange[] = [];
  const listeners = new Set<(change: ServerStateChange) => void>();
  gateway.kernel.hooks.serverStateChanged.tap("sessions-test", (change) => {
    changes.push(change);
    for (const listener of listeners) listener(change);
  });
  const one = await connectClient(t, `${gateway.base}/mcp/iso`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: answering("one"),
  });
  const two = await connectClient(t, `${gateway.base}/mcp/iso`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: answering("two"),
  });
  const asked = await Promise.all(
    [one, two].map((client) => client.callTool({ name: "ask", arguments: {} }) as Promise<CallToolResult>),
  );
  assert.equal(markersOf({ status: "fulfilled", value: asked[0]! }), expected("one"));
  assert.equal(markersOf({ status: "fulfilled", value: asked[1]! }), expected("two"));

  const idOne = (one.transport as StreamableHTTPClientTransport).sessionId!;
  const idTwo = (two.transport as StreamableHTTPClientTransport).sessionId!;
  const running = changes
    .filter((change) => change.server === "iso" && change.to === "running")
    .map((change) => change.session);
  assert.deepEqual(new Set(running), new Set([idOne, idTwo]), "one backend started per session");
  assert.equal(gateway.supervisor.get("iso").instances, 2);

  // Each session's backend is its own process: state set in one (a tool added) is not in the other.
  await one.callTool({ name: "add_tool", arguments: { name: "only_in_one" } });
  assert.ok((await one.listTools()).tools.some((tool) => tool.name === "only_in_one"));
  assert.ok(!(await two.listTools()).tools.some((tool) => tool.name === "only_in_one"));

  const stopped = nextEvent<ServerStateChange>(
    (deliver) => listeners.add(deliver),
    (change) => change.server === "iso" && change.session === idOne && change.to === "stopped",
    10_000,
    "session one's backend to stop",
  );
  await (one.transport as StreamableHTTPClientTransport).terminateSession();
  await stopped;
  assert.equal(gateway.supervisor.get("iso").instances, 1, "the other session's backend keeps running");
  assert.equal(
    ((await two.callTool({ name: "echo", arguments: { text: "still here" } })).content as Array<{ text: string }>)[0]!
      .text,
    "echo: still here",
  );
});

test("a server started by POST /servers/:id/start still relays sampling, elicitation and roots to MCP clients", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const started = await fetch(`${gateway.base}/servers/relay/start`, { method: "POST" });
  assert.deepEqual(await started.json(), { id: "relay", status: "running", message: "Server started successfully" });
  const client = await connectClient(t, `${gateway.base}/mcp`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: answering("admin"),
  });
  const result = (await client.callTool({ name: "relay__ask", arguments: {} })) as CallToolResult;
  assert.equal(markersOf({ status: "fulfilled", value: result }), expected("admin"));
});

test("a shared server that asks clients holds nobody up: while one client answers its sampling, another's calls go at once", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked!: () => void;
  const askedOnce = new Promise<void>((resolve) => (asked = resolve));
  const holder = await connectClient(t, `${gateway.base}/mcp`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: (client) => {
      answering("holder")(client);
      client.setRequestHandler(CreateMessageRequestSchema, async () => {
        asked();
        await held;
        return { model: "m", role: "assistant", content: { type: "text", text: "sampled by holder" } };
      });
    },
  });
  const other = await connectClient(t, `${gateway.base}/mcp`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: answering("other"),
  });
  const holding = holder.callTool({ name: "relay__ask", arguments: {} });
  await askedOnce;
  // The holder's call is in flight, waiting on its client: the other client's call to the same backend is answered anyway.
  const echoed = (await other.callTool({ name: "relay__echo", arguments: { text: "now" } })) as CallToolResult;
  assert.equal((echoed.content[0] as { text: string }).text, "echo: now");
  release();
  assert.equal(markersOf({ status: "fulfilled", value: (await holding) as CallToolResult }), expected("holder"));
});
