import assert from "node:assert/strict";
import { test } from "node:test";
import { BackendError } from "../../src/protocol/BackendError.js";
import { callTool, fixtureServer, startGateway, textOf, waitUntil } from "../supervisor/harness.js";

const PAYLOAD = "x".repeat(100 * 1024);

test("calls lost to a crash, even those still being written to its stdin, get the crash error, never 'write EPIPE'", async (t) => {
  const gw = await startGateway(t, {
    max_connections_per_server: 200,
    // Killed right after its first call: a crash, not a crash loop.
    min_uptime_seconds: 0,
    servers: [fixtureServer("victim", "probe-server")],
  });
  const pid = Number(textOf(await callTool(gw.supervisor, "victim", "pid")));
  // 100 KB each: far more than the pipe holds, so most are still waiting to be written when it dies.
  const calls = Array.from({ length: 175 }, () =>
    callTool(gw.supervisor, "victim", "echo", { text: PAYLOAD }).then(
      () => "answered",
      (error: unknown) => error,
    ),
  );
  await waitUntil(() => gw.supervisor.get("victim").in_flight === 175, 5_000, "175 calls in flight");
  process.kill(pid, "SIGKILL");
  const outcomes = await Promise.all(calls);
  const lost = outcomes.filter((outcome) => outcome !== "answered");
  t.diagnostic(`${outcomes.length - lost.length} answered before the kill, ${lost.length} lost to it`);
  assert.ok(lost.length > 0);
  for (const outcome of lost) {
    assert.ok(outcome instanceof BackendError, String(outcome));
    assert.equal(outcome.message, "Server 'victim' exited while tools/call was in flight");
  }
});
