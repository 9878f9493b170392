import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../../src/kernel/errors.js";
import { gatewayTokens } from "../../src/services/tokens.js";
import { tempDir } from "../helpers/files.js";
import {
  assertNoSurvivors,
  binOf,
  callTool,
  fixtureServer,
  isAlive,
  nextState,
  readLines,
  startGateway,
  textOf,
  waitUntil,
} from "./harness.js";

test("a server starts on first use, stops after idle_timeout_seconds, and the next call restarts it", async (t) => {
  const pidFile = path.join(tempDir(t), "pids");
  const gw = await startGateway(t, {
    servers: [fixtureServer("probe", "probe-server", { idle_timeout_seconds: 1, env: { PID_FILE: pidFile } })],
  });
  assert.equal(gw.supervisor.get("probe").status, "stopped", "nothing starts at boot");
  assert.equal(readLines(pidFile).length, 0);

  const result = await callTool(gw.supervisor, "probe", "echo", { text: "hi" });
  assert.equal(textOf(result), "hi");
  const running = gw.supervisor.get("probe");
  assert.equal(running.status, "running");
  assert.equal(running.request_count, 1);
  assert.equal(running.pid, Number(readLines(pidFile)[0]));
  assert.ok(running.started_at);
  assert.deepEqual(
    gw.changes.map((change) => `${change.from}->${change.to}`),
    ["stopped->starting", "starting->running"],
  );

  const stopped = await nextState(gw.kernel, "probe", "stopped");
  assert.equal(stopped.from, "stopping");
  assert.equal(gw.supervisor.get("probe").status, "stopped");
  assert.equal(gw.supervisor.get("probe").started_at, null);
  assert.ok(gw.logs.records.some((record) => record.msg === "Stopping idle server" && record.server === "probe"));

  assert.equal(textOf(await callTool(gw.supervisor, "probe", "echo", { text: "again" })), "again");
  const after = gw.supervisor.get("probe");
  assert.equal(after.restarts, 1);
  assert.equal(after.request_count, 2, "counters carry over a stop");
  assert.equal(readLines(pidFile).length, 2, "a second process ran");
  await gw.kernel.stop();
  await assertNoSurvivors(pidFile);
});

test("idle stop never happens while a request is in flight", async (t) => {
  const gw = await startGateway(t, { servers: [fixtureServer("probe", "probe-server", { idle_timeout_seconds: 1 })] });
  // The call outlasts the idle timeout; a stop in between would fail it.
  assert.equal(textOf(await callTool(gw.supervisor, "probe", "sleep", { ms: 1_600 })), "slept 1600");
  assert.equal(gw.changes.filter((change) => change.to === "stopping").length, 0);
  await nextState(gw.kernel, "probe", "stopped");
});

test("admin start and stop answer with the original gateway's outcomes", async (t) => {
  const gw = await startGateway(t, { servers: [fixtureServer("probe", "probe-server")] });
  assert.deepEqual(await gw.supervisor.stop("probe"), {
    id: "probe",
    status: "stopped",
    message: "Server already stopped",
  });
  assert.deepEqual(await gw.supervisor.start("probe"), {
    id: "probe",
    status: "running",
    message: "Server started successfully",
  });
  assert.deepEqual(await gw.supervisor.start("probe"), {
    id: "probe",
    status: "running",
    message: "Server already running",
  });
  assert.deepEqual(await gw.supervisor.stop("probe"), {
    id: "probe",
    status: "stopped",
    message: "Server stopped successfully",
  });
  await assert.rejects(
    gw.supervisor.start("nope"),
    (error) => isGatewayError(error, "MCPGW_ERR_SERVER_NOT_FOUND") && error.message === "Server 'nope' not found",
  );
});

test("autostart: true starts the server when the kernel starts", async (t) => {
  const gw = await startGateway(t, {
    servers: [fixtureServer("eager", "probe-server", { autostart: true }), fixtureServer("lazy", "probe-server")],
  });
  assert.equal(gw.supervisor.get("eager").status, "running");
  assert.equal(gw.supervisor.get("lazy").status, "stopped");
});

test("isolation: session gives each session its own process, stopped when the session ends", async (t) => {
  const gw = await startGateway(t, { servers: [fixtureServer("iso", "probe-server", { isolation: "session" })] });
  const pidA = textOf(await callTool(gw.supervisor, "iso", "pid", {}, { sessionId: "a" }));
  const pidB = textOf(await callTool(gw.supervisor, "iso", "pid", {}, { sessionId: "b" }));
  assert.notEqual(pidA, pidB);
  assert.equal(
    textOf(await callTool(gw.supervisor, "iso", "pid", {}, { sessionId: "a" })),
    pidA,
    "a session keeps its backend",
  );
  assert.equal(gw.supervisor.get("iso").instances, 2);
  const handleA = await gw.supervisor.acquire("iso", { sessionId: "a" });
  await gw.supervisor.releaseSession("a");
  await assert.rejects(
    handleA.request({ method: "tools/call", params: { name: "pid", arguments: {} } }),
    /released/,
    "a kept handle cannot start an untracked backend",
  );
  assert.equal(gw.supervisor.get("iso").instances, 1);
  await waitUntil(() => !isAlive(Number(pidA)), 5_000, "session a's backend to exit");
  assert.equal(textOf(await callTool(gw.supervisor, "iso", "pid", {}, { sessionId: "b" })), pidB);
});

test("server-everything over stdio: list, call, stop, restart", async (t) => {
  const gw = await startGateway(t, {
    servers: [
      {
        id: "everything",
        runtime: { type: "local-process", command: binOf("mcp-server-everything"), args: ["stdio"] },
      },
    ],
  });
  const listed = (await gw.supervisor.request("everything", { method: "tools/list", params: {} })) as {
    tools: Array<{ name: string }>;
  };
  assert.ok(listed.tools.some((tool) => tool.name === "echo"));
  assert.equal(textOf(await callTool(gw.supervisor, "everything", "echo", { message: "hello" })), "Echo: hello");
  await gw.supervisor.stop("everything");
  assert.equal(gw.supervisor.get("everything").status, "stopped");
  assert.equal(textOf(await callTool(gw.supervisor, "everything", "echo", { message: "back" })), "Echo: back");
  assert.equal(gw.supervisor.get("everything").restarts, 1);
});

test("server-memory over stdio keeps its graph in MEMORY_FILE_PATH across a restart", async (t) => {
  const gw = await startGateway(t, {});
  const memory = path.join(gw.dir, "memory.jsonl");
  await gw.kernel.stop();
  const gw2 = await startGateway(
    t,
    {
      servers: [
        {
          id: "memory",
          runtime: { type: "local-process", command: binOf("mcp-server-memory") },
          env: { MEMORY_FILE_PATH: memory },
        },
      ],
    },
    gw.dir,
  );
  await callTool(gw2.supervisor, "memory", "create_entities", {
    entities: [{ name: "gateway", entityType: "project", observations: ["written through mcpgw"] }],
  });
  await gw2.supervisor.stop("memory");
  const graph = await callTool(gw2.supervisor, "memory", "read_graph");
  assert.match(textOf(graph), /written through mcpgw/);
});

test("a server whose pings go unanswered turns unhealthy, and running again once they are answered", async (t) => {
  const gw = await startGateway(t, {
    health_check_interval_seconds: 1,
    servers: [fixtureServer("pingy", "probe-server")],
  });
  await gw.supervisor.start("pingy");
  const unhealthy = nextState(gw.kernel, "pingy", "unhealthy");
  const recovered = unhealthy.then(() => nextState(gw.kernel, "pingy", "running"));
  const blocked = callTool(gw.supervisor, "pingy", "block", { ms: 3_500 });
  await unhealthy;
  assert.equal(gw.supervisor.get("pingy").status, "unhealthy");
  assert.equal(textOf(await blocked), "blocked 3500", "a busy backend keeps its call");
  await recovered;
  assert.ok(
    gw.logs.records.some((record) => record.msg.startsWith("Server health check failed") && record.server === "pingy"),
  );
});

test("a reload with reload_strategy keep stops removed servers and adds new ones; a changed one keeps its running backend", async (t) => {
  const gw = await startGateway(t, {
    servers: [fixtureServer("kept", "probe-server"), fixtureServer("gone", "probe-server")],
  });
  const pid = Number(textOf(await callTool(gw.supervisor, "kept", "pid")));
  const gonePid = Number(textOf(await callTool(gw.supervisor, "gone", "pid")));
  const file = path.join(gw.dir, "mcpgw.config.json");
  const written = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const servers = [
    fixtureServer("kept", "probe-server", { env: { CHANGED: "1" } }),
    fixtureServer("added", "probe-server"),
  ];
  writeFileSync(file, JSON.stringify({ ...written, servers }));
  const reloader = gw.kernel.container.resolve(gatewayTokens.reloader);
  const outcome = await reloader.reload({ trigger: "admin", strategy: () => "keep" });
  assert.deepEqual([outcome.added, outcome.removed, outcome.modified], [["added"], ["gone"], ["kept"]]);
  assert.deepEqual(gw.supervisor.ids(), ["kept", "added"]);
  assert.throws(() => gw.supervisor.get("gone"), /Server 'gone' not found/);
  await gw.supervisor.retired("gone");
  assert.ok(!isAlive(gonePid), "the removed server's backend was stopped");
  assert.equal(
    Number(textOf(await callTool(gw.supervisor, "kept", "pid"))),
    pid,
    "the running backend stays until it is next started",
  );
  assert.equal(textOf(await callTool(gw.supervisor, "added", "echo", { text: "new" })), "new");
  await gw.supervisor.stop("kept");
  const env = JSON.parse(textOf(await callTool(gw.supervisor, "kept", "env"))) as Record<string, string>;
  assert.equal(env.CHANGED, "1", "the next start uses the new definition");
});

test("with isolation: session, a busy session does not keep another session's idle backend alive", async (t) => {
  const gw = await startGateway(t, {
    servers: [fixtureServer("iso", "probe-server", { isolation: "session", idle_timeout_seconds: 1 })],
  });
  const idlePid = Number(textOf(await callTool(gw.supervisor, "iso", "pid", {}, { sessionId: "idle" })));
  const idleStopped = new Promise<void>((resolve) =>
    gw.kernel.hooks.serverStateChanged.tap("test", (change) => {
      if (change.session === "idle" && change.to === "stopped") resolve();
    }),
  );
  const busy = callTool(gw.supervisor, "iso", "sleep", { ms: 2_500 }, { sessionId: "busy" });
  await idleStopped;
  await waitUntil(() => !isAlive(idlePid), 5_000, "the idle session's backend to exit");
  assert.equal(textOf(await busy), "slept 2500");
});
