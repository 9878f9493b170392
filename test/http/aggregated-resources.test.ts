// Resources on the aggregated endpoints when two servers serve the same URI: each copy is listed
// distinctly (the first server in config order keeps the URI, the other gets mcpgw://<id>/<uri>),
// reads, subscriptions and updates go to their own server and subscribers, and a URI a server
// returned in a result reads on /mcp. Unique URIs are unchanged. Two resource fixtures, labelled
// a and b, answer every read with "<label> <uri>".
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { fixture } from "../supervisor/harness.js";
import {
  connectClient,
  nodeServer,
  standaloneStreamOpen,
  startHttpGateway,
  suiteScope,
  Tap,
  type TestGateway,
} from "./support.js";

const RESOURCES = fixture("resource-server");
const scope = suiteScope();
let gateway: TestGateway;

before(async () => {
  gateway = await startHttpGateway(scope, {
    servers: [
      nodeServer("a", RESOURCES, [], { env: { LABEL: "a" } }),
      nodeServer("b", RESOURCES, [], { env: { LABEL: "b" } }),
    ],
  });
});
after(() => scope.cleanup());

async function read(client: Client, uri: string): Promise<{ uri: string; text: string }> {
  const { contents } = await client.readResource({ uri });
  assert.equal(contents.length, 1, uri);
  const { uri: read, text } = contents[0] as { uri: string; text: string };
  return { uri: read, text };
}

for (const front of ["/mcp", "/sse"]) {
  test(`${front}: a URI two servers serve is listed twice, distinctly, and each read reaches its own server`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    const uris = (await client.listResources()).resources.map((resource) => resource.uri);
    assert.deepEqual(uris.sort(), ["mcpgw://b/memo://shared", "memo://a/own", "memo://b/own", "memo://shared"]);
    assert.deepEqual(await read(client, "memo://shared"), { uri: "memo://shared", text: "a memo://shared" });
    assert.deepEqual(await read(client, "mcpgw://b/memo://shared"), {
      uri: "mcpgw://b/memo://shared",
      text: "b memo://shared",
    });
    assert.equal((await read(client, "memo://b/own")).text, "b memo://b/own", "a unique URI, unchanged");
    assert.match(
      gateway.logs.text(),
      /Resource 'memo:\/\/shared' of server 'b' is listed as 'mcpgw:\/\/b\/memo:\/\/shared' on the aggregated endpoints/,
    );

    const templates = (await client.listResourceTemplates()).resourceTemplates.map((item) => item.uriTemplate);
    assert.deepEqual(templates.sort(), ["mcpgw://b/memo://item/{id}", "memo://item/{id}"]);
    assert.equal((await read(client, "memo://item/7")).text, "a memo://item/7");
    assert.deepEqual(await read(client, "mcpgw://b/memo://item/7"), {
      uri: "mcpgw://b/memo://item/7",
      text: "b memo://item/7",
    });
    // Read in the other order: b's content must not claim the plain URI a's template holds.
    assert.deepEqual(await read(client, "mcpgw://b/memo://item/8"), {
      uri: "mcpgw://b/memo://item/8",
      text: "b memo://item/8",
    });
    assert.equal((await read(client, "memo://item/8")).text, "a memo://item/8");
  });
}

test("resources/updated goes only to the sessions subscribed to that server's URI, under the URI they subscribed with", async (t) => {
  const toA = await connectClient(t, `${gateway.base}/mcp`);
  const toB = await connectClient(t, `${gateway.base}/mcp`);
  const toucher = await connectClient(t, `${gateway.base}/mcp`);
  const tapA = new Tap(toA);
  const tapB = new Tap(toB);
  await Promise.all([standaloneStreamOpen(gateway, toA), standaloneStreamOpen(gateway, toB)]);
  await toA.subscribeResource({ uri: "memo://shared" });
  await toA.subscribeResource({ uri: "memo://a/own" });
  await toB.subscribeResource({ uri: "mcpgw://b/memo://shared" });
  await toB.subscribeResource({ uri: "memo://b/own" });
  // Each backend sends its update before answering, and the gateway fans it out as it arrives: the
  // updates reach each stream in this order, and the last one of each server closes the sequence.
  for (const [server, uri] of [
    ["b", "memo://shared"],
    ["a", "memo://shared"],
    ["b", "memo://shared"],
    ["a", "memo://a/own"],
    ["b", "memo://b/own"],
  ])
    await toucher.callTool({ name: `${server}__touch`, arguments: { uri } });
  const updated = (message: Record<string, any>) => message.method === "notifications/resources/updated";
  const updates = async (tap: Tap, last: string) => {
    await tap.waitFor((message) => updated(message) && message.params.uri === last, last);
    return tap.notifications("notifications/resources/updated").map((message) => message.params.uri);
  };
  assert.deepEqual(await updates(tapA, "memo://a/own"), ["memo://shared", "memo://a/own"]);
  assert.deepEqual(await updates(tapB, "memo://b/own"), [
    "mcpgw://b/memo://shared",
    "mcpgw://b/memo://shared",
    "memo://b/own",
  ]);
});

test("a URI a server returned (resource_link, embedded resource, prompt) reads on /mcp from that server; a clashing one comes back distinct", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const link = async (server: string, uri: string) => {
    const { content } = (await client.callTool({ name: `${server}__link`, arguments: { uri } })) as {
      content: Array<{ type: string; uri?: string; resource?: { uri: string } }>;
    };
    return content.map((item) => item.uri ?? item.resource!.uri);
  };
  // Listed by no server: unchanged, and read from the server that linked it.
  assert.deepEqual(await link("b", "memo://b/linked/1"), ["memo://b/linked/1", "memo://b/linked/1"]);
  assert.equal((await read(client, "memo://b/linked/1")).text, "b memo://b/linked/1");
  // The same unlisted URI from two servers: the first to return it keeps it.
  assert.deepEqual(await link("a", "memo://both/linked"), ["memo://both/linked", "memo://both/linked"]);
  assert.deepEqual(await link("b", "memo://both/linked"), [
    "mcpgw://b/memo://both/linked",
    "mcpgw://b/memo://both/linked",
  ]);
  assert.equal((await read(client, "memo://both/linked")).text, "a memo://both/linked");
  assert.equal((await read(client, "mcpgw://b/memo://both/linked")).text, "b memo://both/linked");
  // A URI another server lists: b's copy comes back in b's distinct form, a's unchanged.
  assert.deepEqual(await link("b", "memo://shared"), ["mcpgw://b/memo://shared", "mcpgw://b/memo://shared"]);
  assert.deepEqual(await link("a", "memo://shared"), ["memo://shared", "memo://shared"]);
  const prompt = await client.getPrompt({ name: "b__cite" });
  assert.equal((prompt.messages[0]!.content as { resource: { uri: string } }).resource.uri, "mcpgw://b/memo://shared");
  // Subscribable too, and the update comes back under the same URI.
  const tap = new Tap(client);
  await standaloneStreamOpen(gateway, client);
  await client.subscribeResource({ uri: "memo://b/linked/1" });
  await connectClient(t, `${gateway.base}/mcp/b`).then((direct) =>
    direct.callTool({ name: "touch", arguments: { uri: "memo://b/linked/1" } }),
  );
  const update = await tap.waitFor((message) => message.method === "notifications/resources/updated", "update");
  assert.equal(update.params.uri, "memo://b/linked/1");
});
