import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { GatewayError } from "../../src/kernel/errors.js";
import type { InboundRequest } from "../../src/kernel/hooks.js";
import { gatewayTokens } from "../../src/services/tokens.js";
import { presentedKey } from "../../plugins/api-key-auth/index.js";
import { KeyStore } from "../../plugins/api-key-auth/KeyStore.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";

const req = (headers: Record<string, string>): InboundRequest => ({
  transport: "http",
  path: "/servers",
  method: "GET",
  headers,
});

test("the key comes from Authorization: Bearer first, then X-API-Key", () => {
  assert.equal(presentedKey(req({ authorization: "Bearer abc" })), "abc");
  assert.equal(presentedKey(req({ authorization: "bearer abc" })), "abc");
  assert.equal(presentedKey(req({ "x-api-key": "xyz" })), "xyz");
  assert.equal(presentedKey(req({ authorization: "Bearer abc", "x-api-key": "xyz" })), "abc");
  assert.equal(presentedKey(req({ authorization: "Basic dXNlcg==", "x-api-key": "xyz" })), "xyz");
  assert.equal(presentedKey(req({ authorization: "Basic dXNlcg==" })), undefined);
  assert.equal(presentedKey(req({})), undefined);
});

test("the key store matches only exact keys and names the principal by key name", () => {
  const store = new KeyStore([
    { name: "ci", key: "ci-key-0123456789abcdef", scopes: ["read"] },
    { name: "ops", key: "ops-key-0123456789abcdef", scopes: ["*"] },
  ]);
  assert.deepEqual(store.match("ops-key-0123456789abcdef"), { id: "ops", scopes: ["*"] });
  assert.equal(store.match("ops-key-0123456789abcde"), undefined);
  assert.equal(store.match(""), undefined);
});

async function authenticate(t: Parameters<typeof loadTestGateway>[0], config: string, headers: Record<string, string>) {
  const loaded = await loadTestGateway(t, config, { mode: "inspect" });
  assert.deepEqual(errorsOf(loaded), []);
  return loaded.kernel!.container.resolve(gatewayTokens.authenticators).authenticate(req(headers));
}

test("with api_key set: none is 401 'API key required', wrong is 403 'Invalid API key', right gives the principal", async (t) => {
  const config = "api_key: s3cret-key\n";
  await assert.rejects(
    authenticate(t, config, {}),
    (e: unknown) =>
      e instanceof GatewayError && e.code === "MCPGW_ERR_UNAUTHORIZED" && e.message === "API key required",
  );
  await assert.rejects(
    authenticate(t, config, { "x-api-key": "nope" }),
    (e: unknown) => e instanceof GatewayError && e.code === "MCPGW_ERR_FORBIDDEN" && e.message === "Invalid API key",
  );
  assert.deepEqual(await authenticate(t, config, { authorization: "Bearer s3cret-key" }), {
    id: "default",
    scopes: ["*"],
  });
});

test("with no key configured (or an empty one), no authenticator is registered and callers are anonymous", async (t) => {
  for (const config of ["log_level: info\n", 'api_key: "${UNSET_KEY:-}"\n']) {
    const loaded = await loadTestGateway(t, config, { mode: "inspect" });
    const authenticators = loaded.kernel!.container.resolve(gatewayTokens.authenticators);
    assert.equal(authenticators.enabled, false, config);
    assert.deepEqual(await authenticators.authenticate(req({})), { id: "anonymous", scopes: ["*"] });
  }
});

test("named keys with scopes; duplicate names are a validation error with the line", async (t) => {
  const ok = await authenticate(t, "api_keys:\n  - { name: ci, key: ci-key-0123456789abcdef, scopes: [read] }\n", {
    "x-api-key": "ci-key-0123456789abcdef",
  });
  assert.deepEqual(ok, { id: "ci", scopes: ["read"] });
  const dup = await loadTestGateway(
    t,
    "api_keys:\n  - { name: ci, key: ci-key-0123456789abcdef }\n  - { name: ci, key: ci-key-fedcba9876543210 }\n",
    { mode: "inspect" },
  );
  assert.deepEqual(
    dup.issues.map((i) => [i.message, i.line]),
    [["Duplicate API key name: ci", 3]],
  );
});

test("validation messages and logs never contain a configured key", async (t) => {
  const loaded = await loadTestGateway(t, "api_keys:\n  - { name: short, key: tiny-secret }\n", { mode: "inspect" });
  assert.equal(loaded.kernel, undefined);
  assert.ok(!JSON.stringify(loaded.issues).includes("tiny-secret"));
  assert.ok(!loaded.logs.text().includes("tiny-secret"));
});
