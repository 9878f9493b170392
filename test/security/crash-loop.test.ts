import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../../src/kernel/errors.js";
import { tempDir } from "../helpers/files.js";
import { assertNoSurvivors, callTool, fixtureServer, readLines, startGateway } from "../supervisor/harness.js";

const CALLS = 200;

test("a backend that answers initialize and exits right after backs off: 200 calls, a handful of spawns, each counted as a failed start", async (t) => {
  const pids = path.join(tempDir(t), "pids");
  const gw = await startGateway(t, {
    servers: [fixtureServer("flaky", "exit-after-init", { env: { PID_FILE: pids } })],
  });
  let refused = 0;
  for (let call = 0; call < CALLS; call++) {
    const error = await callTool(gw.supervisor, "flaky", "echo").catch((caught: unknown) => caught);
    assert.ok(isGatewayError(error), `every call fails: ${String(error)}`);
    assert.equal(error.subject.server, "flaky");
    if (error.code === "MCPGW_ERR_SERVER_BACKOFF") {
      refused += 1;
      // The backoff's own count: every spawn so far was a failed start, although each answered initialize.
      const failures = Number(/failed to start (\d+) times? in a row/.exec(error.message)?.[1]);
      assert.equal(failures, readLines(pids).length, error.message);
      assert.match(error.message, /^Server 'flaky' failed to start \d+ times? in a row \(Server 'flaky' exited /);
      assert.match(error.message, /under min_uptime_seconds, 10 s\)\); backing off, next attempt in [\d.]+ s$/);
      // Paces the loop; the backoff, not this pause, decides when the next spawn happens.
      await new Promise((resolve) => setTimeout(resolve, 20));
    } else {
      // The call that was in flight when the backend exited: lost to the exit, and told so.
      assert.equal(error.code, "MCPGW_ERR_SERVER_CRASHED", error.message);
      assert.equal(error.message, "Server 'flaky' exited while tools/call was in flight");
      // An exit this soon is a failed start: the server backs off instead of showing `stopped`.
      const snapshot = gw.supervisor.get("flaky");
      assert.ok(snapshot.status === "backoff" || snapshot.status === "failed", snapshot.status);
      assert.ok(snapshot.retry_at, "the backoff says when the next attempt is due");
    }
  }
  const spawns = readLines(pids).length;
  t.diagnostic(`${CALLS} calls: ${spawns} spawns, ${refused} refused by the backoff`);
  assert.equal(refused + spawns, CALLS);
  // 0.5 s doubling to a 30 s cap: even a minute of calls allows only 7 spawns.
  assert.ok(spawns >= 1 && spawns <= 8, `spawns: ${spawns}`);
  const snapshot = gw.supervisor.get("flaky");
  assert.equal(snapshot.restarts, spawns - 1);
  assert.match(snapshot.last_error ?? "", /^Server 'flaky' exited [\d.]+ s after it started/);
  await gw.kernel.stop();
  await assertNoSurvivors(pids);
});

test("min_uptime_seconds: 0 on the server restores restart-on-every-request for a backend that exits right after starting", async (t) => {
  const pids = path.join(tempDir(t), "pids");
  const gw = await startGateway(t, {
    servers: [fixtureServer("flaky", "exit-after-init", { env: { PID_FILE: pids }, min_uptime_seconds: 0 })],
  });
  for (let call = 1; call <= 5; call++) {
    const error = await callTool(gw.supervisor, "flaky", "echo").catch((caught: unknown) => caught);
    assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_CRASHED"), String(error));
    assert.equal(readLines(pids).length, call);
    assert.equal(gw.supervisor.get("flaky").status, "stopped");
  }
  await gw.kernel.stop();
  await assertNoSurvivors(pids);
});
