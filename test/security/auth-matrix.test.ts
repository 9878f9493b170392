// Who gets in where: every route the HTTP frontend serves (read from its router, so a route added
// later is checked too) answers 401 without a key and 403 with a wrong one, except the probes;
// scopes split MCP from admin; a 401 tells HTTP clients which scheme to use, and the paths OAuth
// clients try next say that an API key is needed instead of starting a sign-in.
import "reflect-metadata";
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { gatewayTokens } from "open-mcp-gateway";
import { request } from "../helpers/http.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, suiteScope, type TestGateway } from "../http/support.js";

const KEYS = { full: "full-key-0123456789ab", mcp: "mcp-key-0123456789abc", admin: "admin-key-0123456789ab" };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const NO_OAUTH =
  "API key required: this gateway does not use OAuth; send its API key as Authorization: Bearer <key> or X-API-Key: <key>";

const scope = suiteScope();
let gateway: TestGateway;
before(async () => {
  gateway = await startHttpGateway(scope, {
    api_keys: [
      { name: "full", key: KEYS.full },
      { name: "mcp-only", key: KEYS.mcp, scopes: ["mcp"] },
      { name: "admin-only", key: KEYS.admin, scopes: ["admin"] },
    ],
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
});
after(() => scope.cleanup());

type Route = { method: string; path: string };

/** Every method and path the frontend's router serves, `:id` filled in with the configured server. */
function routes(): Route[] {
  const stack = (gateway.frontend.router as unknown as { stack: Array<{ methods: string[]; path: string }> }).stack;
  return stack.flatMap((layer) =>
    layer.methods
      .filter((method) => method !== "HEAD")
      .map((method) => ({ method, path: layer.path.replace(":id", "relay") })),
  );
}

const PROBES = new Set(["/health", "/ready"]);
const isMcp = (path: string) => /^\/(mcp|sse|messages|rpc)(\/|$)/.test(path);
const isAnyKey = ({ method, path }: Route) => method === "GET" && /^\/servers(\/relay)?$/.test(path);

function call(route: Route, headers: Record<string, string> = {}) {
  return request(gateway.port, {
    method: route.method,
    path: route.path === "/messages" ? "/messages?sessionId=none" : route.path,
    headers: {
      "content-type": "application/json",
      ...headers,
      ...(route.path === "/rpc" && { "x-server-id": "relay" }),
    },
    ...(route.method === "POST" && { body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) }),
  });
}

/** The status of an accepted request, without waiting for its body: GET /sse streams for as long as the session lives. */
function statusOf(route: Route, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: gateway.port, method: route.method, path: route.path, headers, agent: false },
      (res) => {
        resolve(res.statusCode!);
        req.destroy();
      },
    );
    req.on("error", reject);
    req.end(route.method === "POST" ? JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) : undefined);
  });
}

test("every route but the probes: no key 401 with WWW-Authenticate: Bearer, a wrong key 403 without it", async () => {
  const all = routes();
  for (const expected of ["GET /health", "GET /ready", "POST /mcp", "GET /mcp", "DELETE /mcp", "POST /mcp/relay"])
    assert.ok(
      all.some((route) => `${route.method} ${route.path}` === expected),
      `${expected} in ${all.map((r) => r.path)}`,
    );
  for (const path of ["/sse", "/sse/relay", "/messages", "/rpc", "/servers", "/servers/relay", "/servers/relay/start"])
    assert.ok(
      all.some((route) => route.path === path),
      path,
    );
  for (const route of all) {
    const label = `${route.method} ${route.path}`;
    if (PROBES.has(route.path)) {
      const answer = await call(route);
      assert.equal(answer.status, 200, label);
      continue;
    }
    const none = await call(route);
    assert.equal(none.status, 401, label);
    assert.deepEqual(none.json(), { error: "Unauthorized", message: "API key required" }, label);
    assert.equal(none.headers["www-authenticate"], 'Bearer realm="mcpgw"', label);
    for (const headers of [bearer("not-a-key-0123456789"), { "x-api-key": "not-a-key-0123456789" }]) {
      const wrong = await call(route, headers);
      assert.equal(wrong.status, 403, label);
      assert.deepEqual(wrong.json(), { error: "Forbidden", message: "Invalid API key" }, label);
      assert.equal(wrong.headers["www-authenticate"], undefined, label);
    }
  }
});

test("scopes on every route: an [mcp] key gets 403 on admin routes, an [admin] key 403 on MCP routes; GET /servers takes either", async () => {
  for (const route of routes()) {
    if (PROBES.has(route.path)) continue;
    const label = `${route.method} ${route.path}`;
    const withAdmin = await call(route, bearer(KEYS.admin));
    if (isAnyKey(route)) {
      assert.equal((await call(route, bearer(KEYS.mcp))).status, 200, label);
      assert.equal(withAdmin.status, 200, label);
    } else if (isMcp(route.path)) {
      assert.equal(withAdmin.status, 403, label);
      assert.deepEqual(withAdmin.json().message, "API key 'admin-only' lacks the 'mcp' scope", label);
      const status = await statusOf(route, {
        ...bearer(KEYS.mcp),
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(route.path === "/rpc" && { "x-server-id": "relay" }),
      });
      assert.ok(status !== 401 && status !== 403, `${label}: ${status}`);
    } else {
      const withMcp = await call(route, bearer(KEYS.mcp));
      assert.equal(withMcp.status, 403, label);
      assert.deepEqual(withMcp.json().message, "API key 'mcp-only' lacks the 'admin' scope", label);
      assert.notEqual(withAdmin.status, 403, label);
    }
  }
});

test("the OAuth discovery and registration paths answer 404 without a key, saying an API key is required", async () => {
  for (const [method, path] of [
    ["GET", "/.well-known/oauth-protected-resource"],
    ["GET", "/.well-known/oauth-protected-resource/mcp"],
    ["GET", "/.well-known/oauth-authorization-server"],
    ["GET", "/.well-known/oauth-authorization-server/mcp"],
    ["GET", "/.well-known/openid-configuration"],
    ["GET", "/mcp/.well-known/openid-configuration"],
    ["POST", "/register"],
    ["GET", "/authorize"],
    ["POST", "/token"],
  ] as const) {
    const answer = await request(gateway.port, { method, path });
    assert.equal(answer.status, 404, path);
    assert.deepEqual(answer.json(), { error: "Not Found", message: NO_OAUTH, error_description: NO_OAUTH }, path);
  }
  const other = await request(gateway.port, { path: "/nowhere" });
  assert.deepEqual(other.json(), { error: "Not Found", message: "No route for GET /nowhere" });
});

test("with no key configured the OAuth paths are plain 404s: nothing asks for a key", async (t) => {
  const open = await startHttpGateway(t, { servers: [] });
  const answer = await request(open.port, { path: "/.well-known/oauth-protected-resource" });
  assert.equal(answer.status, 404);
  assert.deepEqual(answer.json(), {
    error: "Not Found",
    message: "No route for GET /.well-known/oauth-protected-resource",
  });
});

test("refusals are counted by reason where /stats can read them", async () => {
  const authenticators = gateway.kernel.container.resolve(gatewayTokens.authenticators);
  const before = authenticators.failures;
  await request(gateway.port, { path: "/servers" });
  await request(gateway.port, { path: "/servers", headers: bearer("not-a-key-0123456789") });
  await request(gateway.port, { path: "/servers", headers: bearer("not-a-key-0123456789") });
  assert.deepEqual(authenticators.failures, { missing: before.missing + 1, invalid: before.invalid + 2 });
});
