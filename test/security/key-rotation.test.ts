// api_keys_file: keys read from a YAML file and read again when it changes, without a restart. A
// removed key stops at once and its open sessions end; a new key works; a file that cannot be used
// keeps the keys in force and says why without quoting a key.
import "reflect-metadata";
import assert from "node:assert/strict";
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { tempDir } from "../helpers/files.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";
import { postJson } from "../pipeline/support.js";
import {
  connectClient,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  until,
  type TestGateway,
} from "../http/support.js";

const OLD = "old-key-0123456789abcdef";
const NEW = "new-key-0123456789abcdef";
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function keysYaml(entries: Array<{ name: string; key: string; servers?: string[] }>): string {
  return entries
    .map(
      (entry) =>
        `- name: ${entry.name}\n  key: ${entry.key}\n  scopes: [mcp, admin]\n${entry.servers ? `  servers: [${entry.servers.join(", ")}]\n` : ""}`,
    )
    .join("");
}

/** Replaces the file as editors and secret managers do: a new file renamed over the old one. */
function replace(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

/** The file watch is an event the test cannot subscribe to: it waits for the gateway's log line of the n-th re-read. */
function reread(gateway: TestGateway, count: number, what = "API keys re-read"): Promise<unknown> {
  return until(
    `${what} #${count}`,
    () => gateway.logs.records.filter((record) => record.msg.includes(what)).length >= count,
  );
}

const status = async (gateway: TestGateway, key: string) =>
  (await fetch(`${gateway.base}/servers`, { headers: bearer(key) })).status;

test("rotation without restart: the old key stops at once and its sessions end, the new key works", async (t) => {
  const dir = tempDir(t, "mcpgw-keys-");
  const file = path.join(dir, "keys.yaml");
  writeFileSync(file, keysYaml([{ name: "laptop", key: OLD }]));
  const gateway = await startHttpGateway(t, { api_keys_file: file, servers: [nodeServer("relay", RELAY_FIXTURE)] });
  assert.equal(await status(gateway, OLD), 200);
  assert.equal(await status(gateway, NEW), 403);
  const client = await connectClient(t, `${gateway.base}/mcp`, { headers: bearer(OLD) });
  const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
  assert.equal(gateway.relay.list().length, 1);

  replace(file, keysYaml([{ name: "phone", key: NEW }]));
  await reread(gateway, 1);
  assert.equal(await status(gateway, OLD), 403);
  assert.equal(await status(gateway, NEW), 200);
  await until("the removed key's session to end", () => gateway.relay.list().length === 0);
  const refused = await postJson(
    `${gateway.base}/mcp`,
    { jsonrpc: "2.0", id: 2, method: "tools/list" },
    {
      ...bearer(OLD),
      "mcp-session-id": sessionId,
    },
  );
  assert.equal(refused.status, 403);
  assert.ok(gateway.logs.text().includes("Ending 1 session(s) of API keys removed or changed: laptop"));
  assert.ok(!gateway.logs.text().includes(OLD) && !gateway.logs.text().includes(NEW));
});

test("a key whose servers change loses its sessions; one left as it was keeps them", async (t) => {
  const dir = tempDir(t, "mcpgw-keys-");
  const file = path.join(dir, "keys.yaml");
  writeFileSync(
    file,
    keysYaml([
      { name: "changed", key: OLD },
      { name: "kept", key: NEW },
    ]),
  );
  const gateway = await startHttpGateway(t, {
    api_keys_file: file,
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("other", RELAY_FIXTURE)],
  });
  await connectClient(t, `${gateway.base}/mcp`, { headers: bearer(OLD) });
  const kept = await connectClient(t, `${gateway.base}/mcp`, { headers: bearer(NEW) });
  replace(
    file,
    keysYaml([
      { name: "changed", key: OLD, servers: ["relay"] },
      { name: "kept", key: NEW },
    ]),
  );
  await reread(gateway, 1);
  await until("the changed key's session to end", () => gateway.relay.list().length === 1);
  assert.equal(gateway.relay.list()[0]!.principal.id, "kept");
  assert.ok((await kept.listTools()).tools.length > 0);
  const limited = await connectClient(t, `${gateway.base}/mcp`, { headers: bearer(OLD) });
  assert.ok((await limited.listTools()).tools.every((tool) => tool.name.startsWith("relay__")));
});

test("a file that cannot be used is logged without its content, and the keys in force stay", async (t) => {
  const dir = tempDir(t, "mcpgw-keys-");
  const file = path.join(dir, "keys.yaml");
  writeFileSync(file, keysYaml([{ name: "laptop", key: OLD }]));
  const gateway = await startHttpGateway(t, { api_keys_file: file, servers: [] });
  replace(file, `- name: laptop\n  key: ${NEW}\n   scopes: [oops\n`);
  await reread(gateway, 1, "is not valid YAML");
  replace(file, `- name: laptop\n  key: short-${NEW.slice(0, 4)}\n`);
  await reread(gateway, 1, "is not a list of {name, key, scopes, servers}");
  assert.equal(await status(gateway, OLD), 200);
  assert.equal(await status(gateway, NEW), 403);
  assert.ok(!gateway.logs.text().includes(NEW.slice(0, 8)), "no key, nor a part of one, in the log");
  replace(file, keysYaml([{ name: "laptop", key: NEW }]));
  await reread(gateway, 1);
  assert.equal(await status(gateway, NEW), 200);
});

test("a key file that is missing or cannot be used is a validation error naming it (validate reports it as serve refuses it); with an empty one nobody gets in", async (t) => {
  const missing = await loadTestGateway(t, 'listen_addr: "127.0.0.1:0"\napi_keys_file: ./nowhere.yaml\n');
  assert.equal(missing.kernel, undefined);
  assert.match(errorsOf(missing).join("\n"), /api_keys_file .*nowhere\.yaml does not exist/);
  const broken = await loadTestGateway(t, 'listen_addr: "127.0.0.1:0"\napi_keys_file: ./keys.yaml\n', {
    files: { "keys.yaml": "- name: x\n  key: too-short\n" },
  });
  assert.equal(broken.kernel, undefined);
  assert.match(
    errorsOf(broken).join("\n"),
    /^api_keys_file .*keys\.yaml is not a list of \{name, key, scopes, servers\}: 0\.key: a key must be at least 16 characters$/,
  );
  const clash = await loadTestGateway(
    t,
    'listen_addr: "127.0.0.1:0"\napi_key: a-key-long-enough-0123\napi_keys_file: ./keys.yaml\n',
    { files: { "keys.yaml": keysYaml([{ name: "default", key: NEW }]) } },
  );
  assert.match(errorsOf(clash).join("\n"), /^api_keys_file .*keys\.yaml: duplicate API key name: default$/);

  const dir = tempDir(t, "mcpgw-keys-");
  const file = path.join(dir, "keys.yaml");
  writeFileSync(file, "[]\n");
  const gateway = await startHttpGateway(t, { api_keys_file: file, servers: [] });
  assert.equal((await fetch(`${gateway.base}/servers`)).status, 401);
  replace(file, keysYaml([{ name: "laptop", key: NEW }]));
  await reread(gateway, 1);
  assert.equal(await status(gateway, NEW), 200);
});
