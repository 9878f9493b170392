// Hot reload as users meet it: a running `mcpgw serve` whose config, catalog and key file are
// edited (written, renamed over, broken, fixed) while a client calls an unchanged server without
// pause. That client sees no error; the others see the servers come, change and go.
import "reflect-metadata";
import assert from "node:assert/strict";
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { run } from "../cli/spawn.js";
import { CLI } from "../helpers/files.js";
import { connectClient, Tap, until } from "../http/support.js";
import { alive, callText, keepCalling, nextListChanged, probe, ServeGateway, toolNames } from "./support.js";

const LOOP_KEY = "loop-key-0123456789abcdef";
const OLD_KEY = "old-key-0123456789abcdef";
const NEW_KEY = "new-key-0123456789abcdef";
const keyEntry = (name: string, key: string) => `- name: ${name}\n  key: ${key}\n  scopes: [mcp, admin]\n`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

test("add, modify (restart, a live tool filter, keep), rename-save, a burst, invalid YAML then a fix, an unset variable, key rotation, SIGHUP, /admin/reload and `mcpgw reload`: the unchanged server's client sees 0 errors", async (t) => {
  const config = { api_keys_file: "./keys.yaml", plugins: { "hot-reload": { debounce_ms: 200 } } };
  const stable = probe("stable");
  const gateway = await ServeGateway.start(t, config, [stable], {
    "keys.yaml": keyEntry("loop", LOOP_KEY) + keyEntry("old", OLD_KEY),
  });
  const auth = bearer(LOOP_KEY);
  const loopClient = await connectClient(t, `${gateway.base}/mcp/stable`, { headers: auth });
  const caller = keepCalling(loopClient, "echo", { text: "hi" });
  const client = await connectClient(t, `${gateway.base}/mcp`, { headers: auth });
  const tap = new Tap(client);
  const stablePid = Number(await callText(client, "stable__pid"));
  let attempts = gateway.attempts().length;

  // Added: listed and callable at once, the clients told.
  let told = nextListChanged(tap, "/mcp");
  gateway.writeCatalog([stable, probe("extra")]);
  await told;
  assert.deepEqual((await gateway.attemptAfter(attempts++)).added, ["extra"]);
  assert.ok((await toolNames(client)).includes("extra__echo"));
  assert.equal(await callText(client, "extra__echo", { text: "new" }), "new");

  // Modified (reload_strategy restart, the default): its backend restarts with the new definition.
  const extraPid = Number(await callText(client, "extra__pid"));
  told = nextListChanged(tap, "/mcp");
  gateway.writeCatalog([stable, probe("extra", { env: { FLAVOUR: "two" } })]);
  await told;
  assert.deepEqual((await gateway.attemptAfter(attempts++)).modified, ["extra"]);
  assert.equal(JSON.parse(await callText(client, "extra__env")).FLAVOUR, "two");
  assert.notEqual(Number(await callText(client, "extra__pid")), extraPid);
  await until("the old backend of the modified server to exit", () => !alive(extraPid));

  // A tool filter applies at once, without a restart.
  const restartedPid = Number(await callText(client, "extra__pid"));
  told = nextListChanged(tap, "/mcp");
  gateway.writeCatalog([stable, probe("extra", { env: { FLAVOUR: "two" }, tools: { deny: ["sleep"] } })]);
  await told;
  assert.deepEqual((await gateway.attemptAfter(attempts++)).modified, ["extra"]);
  assert.ok(!(await toolNames(client)).includes("extra__sleep"));
  assert.equal(Number(await callText(client, "extra__pid")), restartedPid);

  // reload_strategy: keep (the original's way): the running backend stays until it is stopped and started.
  const extra = probe("extra", { env: { FLAVOUR: "three" }, tools: { deny: ["sleep"] }, reload_strategy: "keep" });
  gateway.writeCatalog([stable, extra]);
  assert.deepEqual((await gateway.attemptAfter(attempts++)).modified, ["extra"]);
  assert.equal(JSON.parse(await callText(client, "extra__env")).FLAVOUR, "two");
  const stop = await fetch(`${gateway.base}/servers/extra/stop`, { method: "POST", headers: auth });
  assert.equal(stop.status, 200);
  assert.equal(JSON.parse(await callText(client, "extra__env")).FLAVOUR, "three");

  // Saved by rename: the folder watch still sees it.
  told = nextListChanged(tap, "/mcp");
  gateway.renameSaveCatalog([stable, extra, probe("renamed")]);
  await told;
  assert.deepEqual((await gateway.attemptAfter(attempts++)).added, ["renamed"]);
  assert.ok((await toolNames(client)).includes("renamed__echo"));

  // A burst of 20 writes is one reload; an admin reload after it is the next attempt.
  const servers = [stable, extra, probe("renamed")];
  for (let index = 0; index < 19; index++) gateway.writeCatalog(servers, `write ${index}`);
  gateway.writeCatalog([...servers, probe("burst")], "write 19");
  const burst = await gateway.attemptAfter(attempts++);
  assert.deepEqual([burst.trigger, burst.added], ["watch", ["burst"]]);
  const admin = await gateway.adminReload(auth);
  assert.equal(admin.status, 200);
  assert.deepEqual(
    [admin.body.status, admin.body.servers_loaded, admin.body.servers_added, admin.body.servers_removed],
    ["ok", 4, 0, 0],
  );
  assert.deepEqual([admin.body.servers_modified, admin.body.servers_unchanged], [0, 4]);
  assert.equal((await gateway.attemptAfter(attempts++)).trigger, "admin", "the burst made exactly one reload");

  // Invalid YAML: the running config stays, each problem is logged with its line and answered by /admin/reload.
  writeFileSync(gateway.catalogFile, "servers:\n  - id: broken\n    runtime: [oops\n");
  const refused = await gateway.attemptAfter(attempts++);
  assert.equal(refused.applied, false);
  assert.match(refused.problems.join("\n"), /catalog\.yaml:\d+/);
  const answer = await gateway.adminReload(auth);
  attempts++;
  assert.equal(answer.status, 422);
  assert.match(answer.body.message, /^Failed to reload config: /);
  assert.equal(answer.body.problems[0].file, gateway.catalogFile);
  assert.equal(typeof answer.body.problems[0].line, "number");
  assert.equal(await callText(client, "burst__echo", { text: "still" }), "still");
  gateway.writeCatalog(servers);
  assert.deepEqual((await gateway.attemptAfter(attempts++)).removed, ["burst"]);

  // An unset variable at gateway level: refused, naming it; the running config stays.
  gateway.writeConfig({ ...config, tool_name_separator: "${MCPGW_RELOAD_TEST_UNSET}" });
  const unset = await gateway.attemptAfter(attempts++);
  assert.equal(unset.applied, false);
  assert.match(unset.problems.join("\n"), /MCPGW_RELOAD_TEST_UNSET/);
  assert.ok((await toolNames(client)).includes("stable__echo"));
  gateway.writeConfig(config);
  assert.equal((await gateway.attemptAfter(attempts++)).applied, true);

  // Key rotation through the key file: the old key refused, the new one accepted, no restart.
  assert.equal((await fetch(`${gateway.base}/servers`, { headers: bearer(OLD_KEY) })).status, 200);
  writeFileSync(`${gateway.dir}/keys.yaml.tmp`, keyEntry("loop", LOOP_KEY) + keyEntry("new", NEW_KEY));
  renameSync(`${gateway.dir}/keys.yaml.tmp`, path.join(gateway.dir, "keys.yaml"));
  const rotated = await gateway.attemptAfter(attempts++);
  assert.deepEqual([rotated.trigger, rotated.applied], ["watch", true]);
  assert.match(gateway.child.stderr, /API keys re-read from .*keys\.yaml: 2 keys/);
  assert.equal((await fetch(`${gateway.base}/servers`, { headers: bearer(OLD_KEY) })).status, 403);
  assert.equal((await fetch(`${gateway.base}/servers`, { headers: bearer(NEW_KEY) })).status, 200);
  assert.ok(!gateway.child.stderr.includes(NEW_KEY) && !gateway.child.stderr.includes(OLD_KEY));

  // hot_reload: false stops watching; SIGHUP still reloads.
  gateway.writeConfig({ ...config, hot_reload: false });
  assert.equal((await gateway.attemptAfter(attempts++)).applied, true);
  gateway.writeCatalog([...servers, probe("late")]);
  gateway.child.process.kill("SIGHUP");
  const signalled = await gateway.attemptAfter(attempts++);
  assert.deepEqual([signalled.trigger, signalled.added], ["signal", ["late"]]);

  // `mcpgw reload`: SIGHUP by the pid file when the config's port is 0, POST /admin/reload at an address.
  gateway.writeCatalog(servers);
  const bySignal = await run(CLI, ["reload", "--config", "config.yaml"], { cwd: gateway.dir });
  assert.equal(bySignal.code, 0, bySignal.stderr);
  assert.match(bySignal.stdout, /Sent SIGHUP to the gateway \(pid \d+\)/);
  const afterSignal = await gateway.attemptAfter(attempts++);
  assert.deepEqual([afterSignal.trigger, afterSignal.removed], ["signal", ["late"]]);
  const address = gateway.base.replace("http://", "");
  const byHttp = await run(
    CLI,
    ["reload", "--config", "config.yaml", "--listen-addr", address, "--api-key", LOOP_KEY],
    { cwd: gateway.dir },
  );
  assert.equal(byHttp.code, 0, byHttp.stderr);
  assert.match(byHttp.stdout, /Config reloaded: 3 servers \(added 0, removed 0, modified 0, unchanged 3\)/);
  assert.equal((await gateway.attemptAfter(attempts)).trigger, "admin");

  const { calls, errors } = await caller.stop();
  assert.deepEqual(errors, []);
  assert.ok(calls > 0);
  assert.equal(Number(await callText(client, "stable__pid")), stablePid, "the unchanged server was not restarted");
  assert.equal(gateway.child.process.exitCode, null, "no restart of the gateway");
  t.diagnostic(`${calls} calls to the unchanged server, 0 errors`);
});
