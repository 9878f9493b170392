import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../../src/kernel/errors.js";
import { tempDir } from "../helpers/files.js";
import { callTool, fixtureServer, readLines, startGateway, textOf, waitUntil } from "../supervisor/harness.js";

const PAYLOAD = "x".repeat(100 * 1024);

test("a backend that stops reading stdin: 10 calls in flight, 100 waiting, the other 190 refused at once naming the server; all released after the timeout", async (t) => {
  const gw = await startGateway(t, {
    request_timeout_seconds: 1,
    servers: [fixtureServer("stuck", "probe-server")],
  });
  assert.equal(textOf(await callTool(gw.supervisor, "stuck", "stop-reading")), "stopped reading");
  const calls = Array.from({ length: 300 }, () =>
    callTool(gw.supervisor, "stuck", "echo", { text: PAYLOAD }).catch((error: unknown) => error),
  );
  await waitUntil(
    () => gw.supervisor.get("stuck").in_flight === 10 && gw.supervisor.get("stuck").queued === 100,
    5_000,
    "10 calls in flight and 100 waiting",
  );
  const outcomes = await Promise.all(calls);
  const busy = outcomes.filter((outcome) => isGatewayError(outcome, "MCPGW_ERR_SERVER_BUSY"));
  assert.equal(busy.length, 190);
  assert.match(
    (busy[0] as Error).message,
    /^Server 'stuck' is busy: 10 calls in flight and 100 waiting \(max_connections_per_server 10, max_queued_calls_per_server 100\); tools\/call was refused$/,
  );
  const timedOut = outcomes.filter((outcome) => isGatewayError(outcome, "MCPGW_ERR_REQUEST_TIMEOUT"));
  assert.equal(timedOut.length, 110, "the rest timed out, in flight or waiting");
  for (const outcome of timedOut) assert.equal((outcome as { subject: { server: string } }).subject.server, "stuck");
  const snapshot = gw.supervisor.get("stuck");
  assert.equal(snapshot.in_flight, 0);
  assert.equal(snapshot.queued, 0);
});

test("queued calls run in order as slots free up, within max_connections_per_server at any moment", async (t) => {
  const record = path.join(tempDir(t), "record");
  const gw = await startGateway(t, {
    max_connections_per_server: 2,
    max_queued_calls_per_server: 3,
    servers: [fixtureServer("narrow", "probe-server", { env: { RECORD_FILE: record } })],
  });
  await callTool(gw.supervisor, "narrow", "echo", { text: "warm" });
  const hung = [1, 2].map(() => callTool(gw.supervisor, "narrow", "hang").catch((error: unknown) => error));
  const abort = new AbortController();
  const first = callTool(gw.supervisor, "narrow", "echo", { text: "first" });
  const second = callTool(gw.supervisor, "narrow", "echo", { text: "second" }, { signal: abort.signal }).catch(
    (error: unknown) => error,
  );
  const third = callTool(gw.supervisor, "narrow", "echo", { text: "third" });
  const refused = await callTool(gw.supervisor, "narrow", "echo", { text: "fourth" }).catch((error: unknown) => error);
  assert.ok(isGatewayError(refused, "MCPGW_ERR_SERVER_BUSY"), String(refused));
  assert.equal(refused.subject.server, "narrow");
  // A caller that gives up while waiting leaves the queue and frees its place.
  abort.abort("client went away");
  assert.equal(await second, "client went away");
  assert.equal(gw.supervisor.get("narrow").queued, 2);
  // Stopping the server ends both hung calls; the waiting calls take their slots (and start it again).
  await gw.supervisor.stop("narrow");
  for (const outcome of await Promise.all(hung))
    assert.ok(isGatewayError(outcome, "MCPGW_ERR_SERVER_STOPPED"), String(outcome));
  assert.deepEqual((await Promise.all([first, third])).map(textOf), ["first", "third"]);
  assert.equal(readLines(record).filter((line) => line === "hang started").length, 2);
});

test("isolation: session runs at most max_session_instances backends; one more session gets a clear error until another ends", async (t) => {
  const pids = path.join(tempDir(t), "pids");
  const gw = await startGateway(t, {
    servers: [
      fixtureServer("per-session", "probe-server", {
        env: { PID_FILE: pids },
        isolation: "session",
        max_session_instances: 2,
      }),
    ],
  });
  await callTool(gw.supervisor, "per-session", "echo", { text: "a" }, { sessionId: "a" });
  await callTool(gw.supervisor, "per-session", "echo", { text: "b" }, { sessionId: "b" });
  const refused = await callTool(gw.supervisor, "per-session", "echo", { text: "c" }, { sessionId: "c" }).catch(
    (error: unknown) => error,
  );
  assert.ok(isGatewayError(refused, "MCPGW_ERR_INSTANCE_LIMIT"), String(refused));
  assert.equal(
    refused.message,
    "Server 'per-session' runs one backend per session and 2 are running (max_session_instances 2); this session's backend starts once another session ends",
  );
  assert.equal(readLines(pids).length, 2, "the refused session spawned nothing");
  assert.equal(gw.supervisor.get("per-session").instances, 2);
  await gw.supervisor.releaseSession("a");
  assert.equal(textOf(await callTool(gw.supervisor, "per-session", "echo", { text: "c" }, { sessionId: "c" })), "c");
  assert.equal(gw.supervisor.get("per-session").instances, 2);
});
