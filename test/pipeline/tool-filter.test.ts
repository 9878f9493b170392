// tool-filter through real clients on every path: /mcp and /sse (aggregated, `<id>__<name>`),
// /mcp/:id and /sse/:id, `mcpgw stdio` (aggregated and --server), and the pass-through routes.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  connectClient,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  suiteScope,
  type TestGateway,
} from "../http/support.js";
import { connectStdio, writeConfig } from "../stdio/support.js";
import { listAll, passThroughFront, sessionFront, textOf, type Front } from "./support.js";

/**
 * relay (12 numbered tools): `tool_?` lets tool_1..tool_9 through and not tool_10..12; tool_2 and
 * `rec*` are denied; tool_3 is renamed, echo re-described. desk (a Claude Desktop entry): its
 * `disabledTools` join its own `tools.deny`; its aggregated names use its tool_prefix `dk`.
 */
const SERVERS = {
  servers: [
    nodeServer("relay", RELAY_FIXTURE, [], {
      env: { FIXTURE_TOOLS: "12" },
      tools: {
        allow: ["tool_?", "echo", "records"],
        deny: ["tool_2", "rec*"],
        override: {
          tool_3: { name: "three", title: "Three", description: "The third tool, renamed" },
          echo: { description: "Echo, as the gateway shows it" },
        },
      },
      prompts: {
        deny: ["summarize"],
        override: { greet: { name: "welcome", title: "Welcome", description: "Greets someone, renamed" } },
      },
    }),
  ],
  mcpServers: {
    desk: {
      command: process.execPath,
      args: [RELAY_FIXTURE],
      env: { FIXTURE_TOOLS: "3" },
      tool_prefix: "dk",
      disabledTools: ["echo", "slow"],
      tools: { deny: ["log"] },
    },
  },
};

const RELAY_TOOLS = ["echo", "three", "tool_1", "tool_4", "tool_5", "tool_6", "tool_7", "tool_8", "tool_9"];
const RELAY_PROMPTS = ["plain", "welcome"];
/** Aggregated names: `<tool_prefix>__<name>`. */
const PREFIXES = { desk: "dk" };
const DESK_TOOLS = ["add_tool", "ask", "records", "tool_1", "tool_2", "tool_3", "touch"];

const scope = suiteScope();
let gateway: TestGateway;
before(async () => {
  gateway = await startHttpGateway(scope, SERVERS);
});
after(() => scope.cleanup());

/** The names a front lists for `server`, without the front's prefix, sorted. */
function namesOf(front: Front, server: string, items: Array<Record<string, any>>): string[] {
  const prefix = front.prefixFor(server);
  return items
    .map((item) => String(item.name))
    .filter((name) => prefix === "" || name.startsWith(prefix))
    .map((name) => name.slice(prefix.length))
    .sort();
}

/** How a front refuses a hidden name: one server's endpoints say why; aggregated, a hidden name is no name at all. */
function refusal(front: Front, server: string, kind: "Tool" | "Prompt", name: string, why: string): RegExp {
  const exposed = `${front.prefixFor(server)}${name}`;
  if (front.prefixFor(server) !== "") return new RegExp(`^Unknown ${kind.toLowerCase()}: ${exposed}$`);
  return new RegExp(`^${kind} '${exposed}' of server '${server}' is not available: ${why.replace(/\./g, "\\.")}$`);
}

async function assertRefused(
  front: Front,
  method: "tools/call" | "prompts/get",
  params: Record<string, unknown>,
  pattern: RegExp,
): Promise<void> {
  const reply = await front.request(method, params);
  assert.ok(
    reply.error,
    `${front.label}: ${method} ${String(params.name)} is refused, got ${JSON.stringify(reply.result)}`,
  );
  assert.equal(reply.error.code, -32602, `${front.label}: ${method} ${String(params.name)}`);
  assert.match(reply.error.message, pattern, front.label);
}

async function checkRelay(front: Front): Promise<void> {
  const p = front.prefixFor("relay");
  const tools = await listAll(front, "tools/list", "tools");
  assert.deepEqual(namesOf(front, "relay", tools), RELAY_TOOLS, `${front.label}: relay's tools`);
  const three = tools.find((tool) => tool.name === `${p}three`)!;
  assert.deepEqual([three.title, three.description], ["Three", "The third tool, renamed"], front.label);
  const echo = tools.find((tool) => tool.name === `${p}echo`)!;
  assert.equal(echo.description, "Echo, as the gateway shows it", front.label);
  assert.deepEqual(
    echo.vendorExtra,
    { vendor: "acme", tier: 3, flags: ["beta"] },
    `${front.label}: what the override does not set stays`,
  );

  // The backend answers with the name it was called by: the original.
  const renamed = await front.request("tools/call", { name: `${p}three`, arguments: { text: "x" } });
  assert.equal(textOf(renamed.result), "tool_3: x", front.label);
  assert.equal(
    textOf((await front.request("tools/call", { name: `${p}echo`, arguments: { text: "hi" } })).result),
    "echo: hi",
    front.label,
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}tool_2`, arguments: {} },
    refusal(front, "relay", "Tool", "tool_2", "tools.deny"),
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}records`, arguments: {} },
    refusal(front, "relay", "Tool", "records", "tools.deny"),
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}tool_10`, arguments: {} },
    refusal(front, "relay", "Tool", "tool_10", "not in tools.allow"),
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}log`, arguments: {} },
    refusal(front, "relay", "Tool", "log", "not in tools.allow"),
  );

  const prompts = await listAll(front, "prompts/list", "prompts");
  assert.deepEqual(namesOf(front, "relay", prompts), RELAY_PROMPTS, `${front.label}: relay's prompts`);
  const welcome = prompts.find((prompt) => prompt.name === `${p}welcome`)!;
  assert.deepEqual([welcome.title, welcome.description], ["Welcome", "Greets someone, renamed"], front.label);
  const greeting = await front.request("prompts/get", { name: `${p}welcome`, arguments: { name: "Ada" } });
  assert.equal(greeting.result?.messages?.[0]?.content?.text, "Say hello to Ada.", front.label);
  await assertRefused(
    front,
    "prompts/get",
    { name: `${p}summarize`, arguments: {} },
    refusal(front, "relay", "Prompt", "summarize", "prompts.deny"),
  );
  // A completion for the renamed prompt reaches the backend's own `greet` (which alone completes names).
  const completion = await front.request("completion/complete", {
    ref: { type: "ref/prompt", name: `${p}welcome` },
    argument: { name: "name", value: "al" },
  });
  assert.deepEqual(completion.result?.completion?.values, ["alice", "albert"], front.label);
}

async function checkDesk(front: Front): Promise<void> {
  const p = front.prefixFor("desk");
  const tools = await listAll(front, "tools/list", "tools");
  assert.deepEqual(
    namesOf(front, "desk", tools),
    DESK_TOOLS,
    `${front.label}: desk's tools (disabledTools and tools.deny hidden)`,
  );
  assert.equal(
    textOf((await front.request("tools/call", { name: `${p}tool_1`, arguments: { text: "d" } })).result),
    "tool_1: d",
    front.label,
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}echo`, arguments: { text: "no" } },
    refusal(front, "desk", "Tool", "echo", "tools.deny"),
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}slow`, arguments: {} },
    refusal(front, "desk", "Tool", "slow", "tools.deny"),
  );
  await assertRefused(
    front,
    "tools/call",
    { name: `${p}log`, arguments: {} },
    refusal(front, "desk", "Tool", "log", "tools.deny"),
  );
}

test("the separator on the aggregated endpoints is the documented default '__'", () => {
  assert.equal(gateway.kernel.config.settings.tool_name_separator, "__");
});

for (const path of ["/mcp", "/sse"]) {
  test(`${path} (aggregated): lists hide and rename, calls are refused or mapped back, for both servers`, async (t) => {
    const front = sessionFront(path, await connectClient(t, `${gateway.base}${path}`), true, PREFIXES);
    await checkRelay(front);
    await checkDesk(front);
  });

  test(`${path}/relay and ${path}/desk (one server, names unchanged)`, async (t) => {
    await checkRelay(sessionFront(`${path}/relay`, await connectClient(t, `${gateway.base}${path}/relay`), false));
    await checkDesk(sessionFront(`${path}/desk`, await connectClient(t, `${gateway.base}${path}/desk`), false));
  });
}

test("pass-through: POST /rpc with X-Server-ID and POST /mcp with server_id", async () => {
  await checkRelay(passThroughFront(gateway.base, "/rpc", "relay"));
  await checkDesk(passThroughFront(gateway.base, "/rpc", "desk"));
  await checkRelay(passThroughFront(gateway.base, "/mcp", "relay"));
  await checkDesk(passThroughFront(gateway.base, "/mcp", "desk"));
});

test("a renamed tool is called by its new name on a one-server endpoint that never listed it", async (t) => {
  // A fresh gateway: no list was read, so only the rules know `three` is tool_3.
  const fresh = await startHttpGateway(t, SERVERS);
  const client = await connectClient(t, `${fresh.base}/mcp/relay`);
  assert.equal(textOf(await client.callTool({ name: "three", arguments: { text: "cold" } })), "tool_3: cold");
  const reply = await sessionFront("/mcp/relay", client, false).request("tools/call", {
    name: "tool_2",
    arguments: {},
  });
  assert.equal(reply.error?.code, -32602);
});

test("mcpgw stdio, aggregated and --server relay", async (t) => {
  const config = writeConfig(t, SERVERS);
  const [aggregated, single] = await Promise.all([
    connectStdio(t, ["--config", config]),
    connectStdio(t, ["--config", config, "--server", "relay"]),
  ]);
  const front = sessionFront("stdio", aggregated.client, true, PREFIXES);
  await checkRelay(front);
  await checkDesk(front);
  await checkRelay(sessionFront("stdio --server relay", single.client, false));
});

test("an override naming another of the server's own tools is not used: both tools stay reachable, with a warning", async (t) => {
  const shadowing = await startHttpGateway(t, {
    servers: [
      nodeServer("relay", RELAY_FIXTURE, [], {
        env: { FIXTURE_TOOLS: "4" },
        tools: { override: { tool_3: { name: "tool_4", description: "Renamed onto tool_4" } } },
      }),
    ],
  });
  for (const url of [`${shadowing.base}/mcp/relay`, `${shadowing.base}/mcp`]) {
    const client = await connectClient(t, url);
    const prefix = url.endsWith("/mcp") ? "relay__" : "";
    const { tools } = await client.listTools();
    const three = tools.find((tool) => tool.name === `${prefix}tool_3`);
    assert.equal(three?.description, "Renamed onto tool_4", "the rest of the override still applies");
    assert.equal(tools.filter((tool) => tool.name === `${prefix}tool_4`).length, 1);
    assert.equal(textOf(await client.callTool({ name: `${prefix}tool_4`, arguments: { text: "x" } })), "tool_4: x");
    assert.equal(textOf(await client.callTool({ name: `${prefix}tool_3`, arguments: { text: "x" } })), "tool_3: x");
  }
  assert.match(shadowing.logs.text(), /tools\.override renames 'tool_3' to 'tool_4', which the server already has/);
});
