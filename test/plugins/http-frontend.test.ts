import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { httpFrontendTokens } from "../../plugins/http-frontend/index.js";
import { parseListenAddr } from "../../plugins/http-frontend/options.js";
import { GatewayError } from "../../src/kernel/errors.js";
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

test("a foreign Host or Origin gets 403 on every route, /health included; loopback and configured origins pass", async (t) => {
  const port = await startGateway(t, 'cors_origins: ["https://app.example.com"]\n');
  const evilHost = await request(port, { path: "/health", headers: { host: "evil.example.com" } });
  assert.equal(evilHost.status, 403);
  assert.deepEqual(evilHost.json(), { error: "Forbidden", message: "Host 'evil.example.com' is not allowed" });
  const evilOrigin = await request(port, { path: "/health", headers: { origin: "http://evil.example.com" } });
  assert.equal(evilOrigin.status, 403);
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    assert.equal((await request(port, { path: "/health", headers: { host } })).status, 200, host);
  }
  for (const origin of [`http://localhost:${port}`, "http://127.0.0.1:5173", "https://app.example.com"]) {
    assert.equal((await request(port, { path: "/health", headers: { origin } })).status, 200, origin);
  }
});

test("a non-loopback listen_addr with no key refuses to start, naming the fix", async (t) => {
  const loaded = await loadTestGateway(t, 'listen_addr: "0.0.0.0:0"\n');
  await assert.rejects(
    loaded.kernel!.start(),
    (e: unknown) => e instanceof GatewayError && e.code === "MCPGW_ERR_LISTEN" && /no API key is configured: set api_key/.test(e.message),
  );
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
