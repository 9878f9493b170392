import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { isGatewayError } from "../../src/kernel/errors.js";
import { BackendError } from "../../src/protocol/BackendError.js";
import { tempDir } from "../helpers/files.js";
import { assertNoSurvivors, callTool, fixtureServer, readLines, startGateway, textOf, waitUntil } from "./harness.js";

test("a backend killed with 100 calls in flight fails all of them, naming the server, and the next call restarts it", async (t) => {
  const scratch = tempDir(t);
  const pids = path.join(scratch, "pids");
  const gw = await startGateway(t, {
    // Every one of the 100 in flight at once (the default lets 10 run and queues the rest).
    max_connections_per_server: 100,
    // Killed right after its first call: a crash, not a crash loop (that is min_uptime_seconds' business).
    min_uptime_seconds: 0,
    servers: [fixtureServer("victim", "probe-server", { env: { PID_FILE: pids } })],
  });
  await callTool(gw.supervisor, "victim", "echo", { text: "warm" });
  const pid = gw.supervisor.get("victim").pid!;
  const calls = Array.from({ length: 100 }, () =>
    callTool(gw.supervisor, "victim", "sleep", { ms: 60_000 }).then(
      () => "answered",
      (error: unknown) => error,
    ),
  );
  await waitUntil(() => gw.supervisor.get("victim").in_flight === 100, 5_000, "100 calls in flight");

  const killedAt = performance.now();
  process.kill(pid, "SIGKILL");
  const outcomes = await Promise.all(calls);
  t.diagnostic(`all 100 failed ${(performance.now() - killedAt).toFixed(1)} ms after SIGKILL`);
  for (const outcome of outcomes) {
    assert.ok(outcome instanceof BackendError, `expected a BackendError, got ${String(outcome)}`);
    assert.equal(outcome.code, "MCPGW_ERR_SERVER_CRASHED");
    assert.equal(outcome.subject.server, "victim");
    assert.match(outcome.message, /Server 'victim' exited while tools\/call was in flight/);
  }
  assert.equal(gw.supervisor.get("victim").status, "stopped");
  assert.equal(gw.supervisor.get("victim").in_flight, 0);

  assert.equal(textOf(await callTool(gw.supervisor, "victim", "echo", { text: "back" })), "back");
  assert.notEqual(gw.supervisor.get("victim").pid, pid);
  await gw.kernel.stop();
  await assertNoSurvivors(pids);
});

test("a backend that exits at once is spawned at most 6 times in 10 s, then fails fast naming the server", async (t) => {
  const scratch = tempDir(t);
  const pids = path.join(scratch, "pids");
  const gw = await startGateway(t, { servers: [fixtureServer("crashy", "exit-at-once", { env: { PID_FILE: pids } })] });
  const until = Date.now() + 10_000;
  let last: unknown;
  let startFailure: unknown;
  while (Date.now() < until) {
    last = await callTool(gw.supervisor, "crashy", "echo", { text: "x" }).catch((error: unknown) => error);
    assert.ok(isGatewayError(last), `every call fails: ${String(last)}`);
    if (last.code === "MCPGW_ERR_SERVER_START") startFailure ??= last;
    assert.equal(last.subject.server, "crashy");
    // Drives calls at a steady rate; the backoff, not this pause, decides when a spawn happens.
    if (last.code === "MCPGW_ERR_SERVER_BACKOFF") await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Why it failed, in the original's words, not the SDK's "Connection closed".
  assert.match(
    (startFailure as Error | undefined)?.message ?? "",
    /^Failed to start server 'crashy': process exited with code 1 \(it wrote nothing to stderr\)$/,
  );
  const spawns = readLines(pids).length;
  t.diagnostic(`${spawns} spawns in 10 s`);
  assert.ok(spawns >= 3 && spawns <= 6, `spawns: ${spawns}`);
  const fast = await callTool(gw.supervisor, "crashy", "echo", { text: "x" }).catch((error: unknown) => error);
  assert.ok(isGatewayError(fast, "MCPGW_ERR_SERVER_BACKOFF"));
  assert.match(fast.message, /^Server 'crashy' failed to start \d+ times in a row/);
  const snapshot = gw.supervisor.get("crashy");
  assert.ok(snapshot.status === "failed" || snapshot.status === "backoff");
  assert.ok(snapshot.retry_at);
  assert.equal(snapshot.error_count, spawns);
  await gw.kernel.stop();
  await assertNoSurvivors(pids);
});

test("a backend that never answers initialize fails the start after its start_timeout_seconds, not its request timeout", async (t) => {
  const scratch = tempDir(t);
  const pids = path.join(scratch, "pids");
  const gw = await startGateway(t, {
    servers: [
      fixtureServer("mute", "silent-init", {
        request_timeout_seconds: 1,
        start_timeout_seconds: 3,
        env: { PID_FILE: pids },
      }),
    ],
  });
  const began = Date.now();
  const error = await callTool(gw.supervisor, "mute", "echo", { text: "x" }).catch((caught: unknown) => caught);
  assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_START"), String(error));
  assert.equal(
    error.message,
    "Server 'mute' did not finish starting within 3 s (raise start_timeout_seconds if it needs longer)",
  );
  // The start outlived the 1 s request timeout: the two budgets are separate.
  assert.ok(Date.now() - began >= 2_900, `failed after ${Date.now() - began} ms`);
  assert.equal(gw.supervisor.get("mute").status, "backoff");
  await gw.kernel.stop();
  await assertNoSurvivors(pids);
});

test("a hung call times out with an error naming the server, and the backend receives notifications/cancelled", async (t) => {
  const scratch = tempDir(t);
  const record = path.join(scratch, "record");
  const gw = await startGateway(t, {
    servers: [fixtureServer("stuck", "probe-server", { request_timeout_seconds: 1, env: { RECORD_FILE: record } })],
  });
  await gw.supervisor.start("stuck");
  const error = await callTool(gw.supervisor, "stuck", "hang").catch((caught: unknown) => caught);
  assert.ok(error instanceof BackendError && error.code === "MCPGW_ERR_REQUEST_TIMEOUT", String(error));
  assert.equal(error.rpcCode, ErrorCode.RequestTimeout);
  assert.match(error.message, /^Server 'stuck' did not answer tools\/call within 1 s/);
  await waitUntil(
    () => readLines(record).some((line) => line.startsWith("cancelled:")),
    5_000,
    "the backend to see the cancellation",
  );
  assert.equal(textOf(await callTool(gw.supervisor, "stuck", "echo", { text: "still up" })), "still up");
  assert.equal(gw.supervisor.get("stuck").error_count, 1);
  assert.equal(gw.supervisor.get("stuck").restarts, 0, "a timeout does not restart the backend");
});

test("a caller's abort cancels the call at the backend and is not counted as the backend's error", async (t) => {
  const record = path.join(tempDir(t), "record");
  const gw = await startGateway(t, {
    servers: [fixtureServer("abortable", "probe-server", { env: { RECORD_FILE: record } })],
  });
  await gw.supervisor.start("abortable");
  const controller = new AbortController();
  const call = callTool(gw.supervisor, "abortable", "hang", {}, { signal: controller.signal }).catch(
    (error: unknown) => error,
  );
  await waitUntil(() => readLines(record).includes("hang started"), 5_000, "the call to reach the backend");
  controller.abort("client went away");
  assert.ok(await call);
  await waitUntil(
    () => readLines(record).some((line) => line === "cancelled: client went away"),
    5_000,
    "the backend to see the cancellation",
  );
  assert.equal(gw.supervisor.get("abortable").error_count, 0);
  assert.equal(gw.supervisor.get("abortable").in_flight, 0);
});

test("100 concurrent first calls to a stopped server share one spawn", async (t) => {
  const scratch = tempDir(t);
  const pids = path.join(scratch, "pids");
  const gw = await startGateway(t, { servers: [fixtureServer("single", "probe-server", { env: { PID_FILE: pids } })] });
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => callTool(gw.supervisor, "single", "echo", { text: `n${i}` })),
  );
  assert.deepEqual(
    results.map(textOf),
    Array.from({ length: 100 }, (_, i) => `n${i}`),
  );
  assert.equal(readLines(pids).length, 1);
  assert.equal(gw.supervisor.get("single").request_count, 100);
});

test("garbage on stdout is logged and skipped; a line over 4 MiB restarts the backend", async (t) => {
  // A backend killed for its line within min_uptime_seconds would back off instead (a crash loop is not restarted at once).
  const gw = await startGateway(t, { min_uptime_seconds: 0, servers: [fixtureServer("noisy", "noisy-server")] });
  assert.equal(textOf(await callTool(gw.supervisor, "noisy", "garbage")), "after garbage");
  const skipped = gw.logs.records.filter((record) =>
    record.msg.startsWith("Ignoring a stdout line that is not an MCP message"),
  );
  assert.ok(skipped.length >= 2, `banner, non-JSON-RPC object and mid-stream garbage are skipped (${skipped.length})`);
  assert.ok(skipped.every((record) => record.server === "noisy"));

  const pid = gw.supervisor.get("noisy").pid;
  const error = await callTool(gw.supervisor, "noisy", "huge-line").catch((caught: unknown) => caught);
  assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_CRASHED"), String(error));
  assert.ok(gw.logs.records.some((record) => record.msg.includes("stdout line over 4 MiB")));
  const next = Number(textOf(await callTool(gw.supervisor, "noisy", "pid")));
  assert.notEqual(next, pid);
});

test("progress of a call reaches the caller, every event before the result", async (t) => {
  const gw = await startGateway(t, { servers: [fixtureServer("progress", "probe-server")] });
  for (let round = 0; round < 20; round++) {
    const seen: number[] = [];
    const result = await callTool(
      gw.supervisor,
      "progress",
      "progress",
      { steps: 5 },
      { onProgress: (progress) => seen.push(progress.progress) },
    );
    assert.equal(textOf(result), "done 5");
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  }
  assert.ok(!gw.logs.text().includes("unknown token"));
});
