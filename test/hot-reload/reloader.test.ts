// The core's reload pipeline (gatewayTokens.reloader) under the supervisor: which changes restart a
// backend and when, what the capability cache keeps, and the `reloaded` hook of every attempt.
import "reflect-metadata";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { coreTokens } from "../../src/di/tokens.js";
import type { ReloadOutcome } from "../../src/kernel/hooks.js";
import { gatewayTokens } from "../../src/services/tokens.js";
import { definitionHash } from "../../src/supervisor/definitionHash.js";
import { until } from "../http/support.js";
import { fixtureServer, startGateway } from "../supervisor/harness.js";

const config = (servers: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  preset: "none",
  plugins: { "process-runtime": {}, "sse-runtime": {} },
  health_check_interval_seconds: 0,
  servers,
  ...extra,
});

test("a change the backend does not see keeps it and its cached lists; a runtime change restarts it after its call in flight; a refused config keeps the running one", async (t) => {
  const gw = await startGateway(t, config([fixtureServer("p", "probe-server")]));
  const file = path.join(gw.dir, "mcpgw.config.json");
  const rewrite = (servers: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
    writeFileSync(file, JSON.stringify({ ...config(servers, extra), state_dir: path.join(gw.dir, "state") }));
  const reloader = gw.kernel.container.resolve(gatewayTokens.reloader);
  const outcomes: ReloadOutcome[] = [];
  gw.kernel.hooks.reloaded.tap("test", (outcome) => void outcomes.push(outcome));
  const call = (name: string, args: Record<string, unknown> = {}) =>
    gw.supervisor.request("p", { method: "tools/call", params: { name, arguments: args } }) as Promise<{
      content: Array<{ text: string }>;
    }>;
  const pid = Number((await call("pid")).content[0]!.text);
  assert.ok(await gw.supervisor.capabilities("p"));

  rewrite([fixtureServer("p", "probe-server", { display_name: "Probe, renamed" })]);
  const renamed = await reloader.reload({ trigger: "admin" });
  assert.deepEqual([renamed.modified, renamed.error, renamed.serversLoaded], [["p"], undefined, 1]);
  assert.equal(gw.supervisor.get("p").pid, pid, "not restarted");
  const carried = await gw.supervisor.capabilities("p");
  assert.equal(carried?.definition_hash, definitionHash(gw.kernel.config.servers[0]!), "the cache follows");

  const slow = call("sleep", { ms: 500 }).then((result) => ({ result, at: Date.now() }));
  await until("the call in flight", () => gw.supervisor.get("p").in_flight === 1);
  rewrite([fixtureServer("p", "probe-server", { display_name: "Probe, renamed", env: { FLAVOUR: "new" } })]);
  const changed = await reloader.reload({ trigger: "watch" });
  assert.deepEqual(changed.modified, ["p"]);
  const next = call("env").then((result) => ({ result, at: Date.now() }));
  const [old, fresh] = await Promise.all([slow, next]);
  assert.equal(old.result.content[0]!.text, "slept 500", "the call in flight finished on the old backend");
  assert.equal(JSON.parse(fresh.result.content[0]!.text).FLAVOUR, "new");
  assert.ok(fresh.at >= old.at, "the new backend answered only after the old one's call");
  assert.notEqual(gw.supervisor.get("p").pid, pid);

  rewrite([fixtureServer("p", "probe-server"), { id: "Bad Id", runtime: { type: "nowhere" } }]);
  const refused = await reloader.reload({ trigger: "signal" });
  assert.ok(refused.error && refused.issues.length > 0);
  assert.deepEqual([refused.serversLoaded, refused.unchanged], [1, ["p"]]);
  assert.equal(gw.kernel.config.servers[0]!.display_name, "Probe, renamed", "the running config stays");

  rewrite([fixtureServer("p", "probe-server")], { log_level: "debug" });
  const restart = await reloader.reload({ trigger: "admin" });
  assert.deepEqual(restart.restartRequired, ["log_level"]);
  assert.equal(gw.kernel.config.settings.log_level, undefined, "it keeps its running value");

  // One registration of the config, whatever the number of reloads: each kept would keep an old config alive.
  assert.equal(gw.kernel.container.resolveAll(coreTokens.config).length, 1);
  assert.equal(gw.kernel.container.resolve(coreTokens.config), gw.kernel.config);
  assert.deepEqual(
    outcomes.map((outcome) => [outcome.trigger, outcome.error === undefined]),
    [
      ["admin", true],
      ["watch", true],
      ["signal", false],
      ["admin", true],
    ],
  );
});
