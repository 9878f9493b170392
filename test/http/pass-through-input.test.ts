// Pass-through (`POST /rpc`, `POST /mcp` with `server_id`) with a message the MCP schema refuses: a
// backend drops such a message without answering, so the gateway refuses it at once (found by
// test/security/fuzz.test.ts: `params: []`, `_meta.progressToken: []` waited for the call timeout;
// `id: []` was echoed back, `id: 1e400` answered with `id: null`).
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "../helpers/http.js";
import { fixture } from "../supervisor/harness.js";
import { nodeServer, startHttpGateway } from "./support.js";

test("pass-through refuses with 400 a message the MCP schema refuses, and still answers valid ones", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("fz", fixture("fuzz-lines-server"))],
  });
  const post = (path: string, body: string) =>
    request(gateway.port, {
      method: "POST",
      path,
      headers: { "content-type": "application/json", "x-server-id": "fz" },
      body,
    });
  const refused = [
    `{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}`,
    `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"_meta":{"progressToken":[]}}}`,
    `{"jsonrpc":"2.0","id":[],"method":"ping"}`,
    `{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
    `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`,
    `{"jsonrpc":"2.0","method":"notifications/initialized","params":"x"}`,
  ];
  for (const body of refused) {
    for (const [path, sent] of [
      ["/rpc", body],
      ["/mcp", body.replace(/}$/, `,"server_id":"fz"}`)],
    ] as const) {
      const reply = await post(path, sent);
      assert.equal(reply.status, 400, `${path} ${sent}: ${reply.status} ${reply.body}`);
      assert.equal(reply.json().error, "Bad Request");
      assert.match(reply.json().message, /Not a valid MCP request or notification/);
    }
  }
  const ping = await post("/rpc", `{"jsonrpc":"2.0","id":"p","method":"ping","params":{"_meta":{"progressToken":7}}}`);
  assert.deepEqual(ping.json(), { jsonrpc: "2.0", id: "p", result: {} });
  const call = await post(
    "/rpc",
    `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}`,
  );
  assert.equal(call.json().result.content[0].text, "hi");
  const notification = await post("/rpc", `{"jsonrpc":"2.0","id":null,"method":"notifications/initialized"}`);
  assert.equal(notification.status, 202);
});
