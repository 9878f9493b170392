// The Host / Origin / CORS matrix: which Host names and browser origins get in, with and without a
// key, and what allowed_hosts and cors_origins open. Probes too (the contract: every route); a
// refused request never gets CORS headers.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "../helpers/http.js";
import { startHttpGateway, type TestContext } from "../http/support.js";

const KEY = "matrix-key-0123456789";

async function gatewayWith(t: TestContext, config: Record<string, unknown>) {
  const gateway = await startHttpGateway(t, { servers: [], ...config });
  const key: Record<string, string> = "api_key" in config ? { authorization: `Bearer ${KEY}` } : {};
  const ask = (headers: Record<string, string>, path = "/servers") =>
    request(gateway.port, { path, headers: { ...key, ...headers } });
  return { port: gateway.port, ask };
}

test("Host: loopback names and allowed_hosts (exact, *.suffix) pass; anything else 403 naming the setting, probes included", async (t) => {
  const { port, ask } = await gatewayWith(t, {
    api_key: KEY,
    allowed_hosts: ["gateway.internal", "10.0.0.5", "*.example.com", "[fd00::5]"],
  });
  for (const host of [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `[::1]:${port}`,
    "gateway.internal",
    `GATEWAY.internal:${port}`,
    "10.0.0.5:4444",
    "mcp.example.com",
    "a.b.example.com:443",
    "[fd00::5]:4444",
  ]) {
    assert.equal((await ask({ host })).status, 200, host);
  }
  for (const host of ["evil.test", "example.com", "gateway.internal.evil.test", "10.0.0.6", "notexample.com"]) {
    const refused = await ask({ host });
    assert.equal(refused.status, 403, host);
    assert.deepEqual(refused.json(), {
      error: "Forbidden",
      message: `Host '${host}' is not allowed; add it to allowed_hosts`,
    });
    for (const path of ["/health", "/ready"]) assert.equal((await ask({ host }, path)).status, 403, `${path} ${host}`);
  }
});

test('allowed_hosts ["*"] accepts any Host', async (t) => {
  const { ask } = await gatewayWith(t, { api_key: KEY, allowed_hosts: ["*"] });
  assert.equal((await ask({ host: "anything.test" })).status, 200);
});

test("Origin with no key: only cors_origins and the gateway's own origin; loopback pages are refused too", async (t) => {
  const { port, ask } = await gatewayWith(t, { cors_origins: ["https://app.example.com"] });
  for (const origin of ["https://app.example.com", "https://APP.example.com", `http://127.0.0.1:${port}`]) {
    const allowed = await ask({ origin });
    assert.equal(allowed.status, 200, origin);
    assert.equal(allowed.headers["access-control-allow-origin"], origin, origin);
  }
  for (const origin of ["http://localhost:6274", "http://127.0.0.1:5173", "https://evil.test", "null"]) {
    const refused = await ask({ origin });
    assert.equal(refused.status, 403, origin);
    assert.deepEqual(refused.json(), {
      error: "Forbidden",
      message: `Origin '${origin}' is not allowed; add it to cors_origins`,
    });
    assert.equal(refused.headers["access-control-allow-origin"], undefined, origin);
  }
  assert.equal((await ask({})).status, 200, "no Origin: not a browser page, not refused");
});

test("Origin with a key: loopback pages may come too (they still need the key), foreign ones not", async (t) => {
  const { ask } = await gatewayWith(t, { api_key: KEY, cors_origins: ["https://app.example.com"] });
  for (const origin of ["http://localhost:6274", "https://app.example.com"])
    assert.equal((await ask({ origin })).headers["access-control-allow-origin"], origin, origin);
  assert.equal((await ask({ origin: "https://evil.test" })).status, 403);
  const withoutKey = await request((await gatewayWith(t, { api_key: KEY })).port, {
    path: "/servers",
    headers: { origin: "http://localhost:6274" },
  });
  assert.equal(withoutKey.status, 401, "a loopback page without the key is refused all the same");
});

test('cors_origins ["*"] lets any page in', async (t) => {
  const { ask } = await gatewayWith(t, { cors_origins: ["*"] });
  const answer = await ask({ origin: "https://anywhere.test" });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers["access-control-allow-origin"], "https://anywhere.test");
});

test("GET /ready answers 200 once listening, without a key", async (t) => {
  const { port } = await gatewayWith(t, { api_key: KEY });
  const ready = await request(port, { path: "/ready" });
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.json(), { status: "ready" });
});
