import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { httpFrontendTokens } from "../../plugins/http-frontend/index.js";
import { parseListenAddr } from "../../plugins/http-frontend/options.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";
import { request } from "../helpers/http.js";

async function startGateway(t: Parameters<typeof loadTestGateway>[0], config: string): Promise<number> {
  const loaded = await loadTestGateway(t, `listen_addr: "127.0.0.1:0"\n${config}`);
  assert.deepEqual(errorsOf(loaded), []);
  await loaded.kernel!.start();
  return loaded.kernel!.container.resolve(httpFrontendTokens.frontend).address!.port;
}

test("listen_addr parses host:port and [v6]:port", () => {
  assert.deepEqual(parseListenAddr("127.0.0.1:4444"), { host: "127.0.0.1", port: 4444 });
  assert.deepEqual(parseListenAddr("[::1]:0"), { host: "::1", port: 0 });
  assert.deepEqual(parseListenAddr("localhost:80"), { host: "localhost", port: 80 });
  assert.equal(parseListenAddr("4444"), undefined);
  assert.equal(parseListenAddr("host:70000"), undefined);
});

test("GET /health answers {status: ok} without a key; other routes need one", async (t) => {
  const port = await startGateway(t, "api_key: k-123\n");
  const health = await request(port, { path: "/health" });
  assert.equal(health.status, 200);
  assert.deepEqual(health.json(), { status: "ok" });
  const none = await request(port, { path: "/servers" });
  assert.equal(none.status, 401);
  assert.deepEqual(none.json(), { error: "Unauthorized", message: "API key required" });
  const wrong = await request(port, { path: "/servers", headers: { "x-api-key": "nope" } });
  assert.equal(wrong.status, 403);
  assert.deepEqual(wrong.json(), { error: "Forbidden", message: "Invalid API key" });
  const preflight = await request(port, { method: "OPTIONS", path: "/servers" });
  assert.notEqual(preflight.status, 401);
  const unknown = await request(port, { path: "/nowhere", headers: { authorization: "Bearer k-123" } });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json(), { error: "Not Found", message: "No route for GET /nowhere" });
});

test("a foreign Host or Origin gets 403, on the probes too; with no key only configured and same-origin pages pass", async (t) => {
  const port = await startGateway(t, 'cors_origins: ["https://app.example.com"]\n');
  const evilHost = await request(port, { path: "/servers", headers: { host: "evil.example.com" } });
  assert.equal(evilHost.status, 403);
  assert.deepEqual(evilHost.json(), {
    error: "Forbidden",
    message: "Host 'evil.example.com' is not allowed; add it to allowed_hosts",
  });
  assert.equal((await request(port, { path: "/health", headers: { host: "10.1.2.3:4444" } })).status, 403);
  const evilOrigin = await request(port, { path: "/health", headers: { origin: "http://evil.example.com" } });
  assert.equal(evilOrigin.status, 403);
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    assert.equal((await request(port, { path: "/servers", headers: { host } })).status, 200, host);
  }
  for (const origin of [`http://127.0.0.1:${port}`, "https://app.example.com"]) {
    assert.equal((await request(port, { path: "/servers", headers: { origin } })).status, 200, origin);
  }
  assert.equal((await request(port, { path: "/servers", headers: { origin: "http://127.0.0.1:5173" } })).status, 403);
});

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "browser", version: "1" } },
});

test("CORS: a preflight from an allowed origin is answered before auth, with MCP's headers allowed", async (t) => {
  const port = await startGateway(t, 'api_key: k-123\ncors_origins: ["https://app.example.com"]\n');
  const preflight = await request(port, {
    method: "OPTIONS",
    path: "/mcp",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, mcp-session-id, authorization",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "https://app.example.com");
  assert.match(String(preflight.headers["access-control-allow-methods"]), /\bPOST\b.*\bDELETE\b/);
  for (const header of [
    "Content-Type",
    "Authorization",
    "X-API-Key",
    "Mcp-Session-Id",
    "Mcp-Protocol-Version",
    "Last-Event-ID",
  ]) {
    assert.ok(String(preflight.headers["access-control-allow-headers"]).split(", ").includes(header), header);
  }
  assert.equal(preflight.headers["access-control-max-age"], "3600");
  assert.match(String(preflight.headers.vary), /Origin/);
});

test("CORS: answers to an allowed origin can be read, errors included, and expose Mcp-Session-Id", async (t) => {
  const port = await startGateway(t, 'api_key: k-123\ncors_origins: ["https://app.example.com"]\n');
  const unauthorized = await request(port, { path: "/servers", headers: { origin: "https://app.example.com" } });
  assert.equal(unauthorized.status, 401);
  assert.equal(unauthorized.headers["access-control-allow-origin"], "https://app.example.com");
  // The MCP Inspector's web UI runs on a loopback origin.
  const origin = "http://localhost:6274";
  const initialized = await request(port, {
    method: "POST",
    path: "/mcp",
    headers: {
      origin,
      "x-api-key": "k-123",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: INITIALIZE,
  });
  assert.equal(initialized.status, 200, initialized.body);
  assert.equal(initialized.headers["access-control-allow-origin"], origin);
  assert.ok(initialized.headers["mcp-session-id"]);
  assert.ok(String(initialized.headers["access-control-expose-headers"]).split(", ").includes("Mcp-Session-Id"));
  const refused = await request(port, { path: "/health", headers: { origin: "http://evil.example.com" } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers["access-control-allow-origin"], undefined);
});

test("CORS: cors_enabled false sends no CORS headers and lets only the gateway's own origin in", async (t) => {
  const port = await startGateway(t, 'cors_enabled: false\ncors_origins: ["https://app.example.com"]\n');
  const own = await request(port, { path: "/servers", headers: { origin: `http://127.0.0.1:${port}` } });
  assert.equal(own.status, 200);
  assert.equal(own.headers["access-control-allow-origin"], undefined);
  const preflight = await request(port, {
    method: "OPTIONS",
    path: "/mcp",
    headers: { origin: `http://127.0.0.1:${port}`, "access-control-request-method": "POST" },
  });
  assert.equal(preflight.headers["access-control-allow-origin"], undefined);
  assert.equal((await request(port, { path: "/servers", headers: { origin: "https://app.example.com" } })).status, 403);
  assert.equal((await request(port, { path: "/servers", headers: { origin: "http://localhost:6274" } })).status, 403);
});

test("a non-loopback listen_addr with no key is a config error naming the fix; a key, or stdio mode, lifts it", async (t) => {
  const refused = await loadTestGateway(t, 'listen_addr: "0.0.0.0:0"\n');
  assert.equal(refused.kernel, undefined);
  assert.deepEqual(
    refused.issues.map((issue) => [issue.path, issue.line, issue.message]),
    [
      [
        ["listen_addr"],
        1,
        "listen_addr 0.0.0.0:0 is reachable from other machines and no API key is configured: set api_key (or api_keys), or listen on 127.0.0.1",
      ],
    ],
  );
  for (const config of [
    'listen_addr: "0.0.0.0:0"\napi_key: a-long-enough-key-0123\n',
    'listen_addr: "0.0.0.0:0"\napi_keys_file: keys.yaml\n',
  ]) {
    const keyed = await loadTestGateway(t, config, { mode: "inspect", files: { "keys.yaml": "[]\n" } });
    assert.deepEqual(errorsOf(keyed), [], config);
  }
  const stdio = await loadTestGateway(t, 'listen_addr: "0.0.0.0:0"\n', { mode: "stdio" });
  assert.deepEqual(errorsOf(stdio), []);
});

test("a port in use is a clear listen error", async (t) => {
  const port = await startGateway(t, "");
  const second = await loadTestGateway(t, `listen_addr: "127.0.0.1:${port}"\n`);
  await assert.rejects(second.kernel!.start(), /Cannot listen on 127\.0\.0\.1:\d+: another process uses it/);
});

test("stopping the kernel closes the socket", async (t) => {
  const loaded = await loadTestGateway(t, 'listen_addr: "127.0.0.1:0"\n');
  await loaded.kernel!.start();
  const port = loaded.kernel!.container.resolve(httpFrontendTokens.frontend).address!.port;
  assert.equal((await request(port, { path: "/health" })).status, 200);
  await loaded.kernel!.stop();
  await assert.rejects(request(port, { path: "/health" }), /ECONNREFUSED/);
});
