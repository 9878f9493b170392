// `mcpgw stdio` without --server aggregates like /mcp: a URI two servers list is exposed distinctly
// and each copy reads from its own server; a linked URI no list shows reads from the server that linked it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture } from "../supervisor/harness.js";
import { connectStdio, writeConfig } from "./support.js";

const resources = (id: string) => ({
  id,
  runtime: { type: "local-process", command: process.execPath, args: [fixture("resource-server")] },
  env: { LABEL: id },
});

test("stdio aggregated: a URI two servers list reads from each, and a linked URI reads from its server", async (t) => {
  const config = writeConfig(t, { servers: [resources("a"), resources("b")] });
  const { client } = await connectStdio(t, ["--config", config]);
  const uris = (await client.listResources()).resources.map((resource) => resource.uri);
  assert.deepEqual(uris.sort(), ["mcpgw://b/memo://shared", "memo://a/own", "memo://b/own", "memo://shared"]);
  const text = async (uri: string) => ((await client.readResource({ uri })).contents[0] as { text: string }).text;
  assert.equal(await text("memo://shared"), "a memo://shared");
  assert.equal(await text("mcpgw://b/memo://shared"), "b memo://shared");
  await client.callTool({ name: "b__link", arguments: { uri: "memo://b/linked" } });
  assert.equal(await text("memo://b/linked"), "b memo://b/linked");
});
