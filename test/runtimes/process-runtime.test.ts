import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { INHERITED_ENV_KEYS } from "../../plugins/process-runtime/childEnv.js";
import { STDERR_LINE_BYTES } from "../../src/runtime/stdio/StderrLog.js";
import { formatPath } from "../../src/config/issues.js";
import { loadGateway } from "../../src/gateway/loadGateway.js";
import { tempDir } from "../helpers/files.js";
import { captureLogs } from "../helpers/logs.js";
import { callTool, fixture, isAlive, startGateway, textOf, waitUntil } from "../supervisor/harness.js";

test("arguments with shell metacharacters reach the child as single argv elements", async (t) => {
  const tricky = ["a;b", "$(touch /tmp/mcpgw-pwned)", "`id`", "line1\nline2", "x && y", "'quoted' \"double\"", "*"];
  const gw = await startGateway(t, {
    servers: [
      {
        id: "argv",
        runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server"), ...tricky] },
      },
    ],
  });
  assert.deepEqual(JSON.parse(textOf(await callTool(gw.supervisor, "argv", "argv"))), tricky);
});

test("the child's environment is the safe inherited set plus the configured env, never a gateway secret", async (t) => {
  const canary = "canary-secret-5be0c1d9";
  process.env.MCPGW_TEST_CANARY = canary;
  t.after(() => delete process.env.MCPGW_TEST_CANARY);
  const gw = await startGateway(t, {
    servers: [
      {
        id: "env",
        runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")] },
        env: { API_TOKEN: "configured-token-value", MODE: "test" },
      },
    ],
  });
  const env = JSON.parse(textOf(await callTool(gw.supervisor, "env", "env"))) as Record<string, string>;
  assert.equal(env.API_TOKEN, "configured-token-value");
  assert.equal(env.MODE, "test");
  assert.equal(env.PATH, process.env.PATH);
  assert.ok(!JSON.stringify(env).includes(canary));
  const allowed = new Set<string>([...INHERITED_ENV_KEYS, "API_TOKEN", "MODE"]);
  assert.deepEqual(
    Object.keys(env).filter((key) => !allowed.has(key)),
    [],
  );
});

test("working_dir is relative to the config file's folder", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, "sub"));
  const gw = await startGateway(
    t,
    {
      servers: [
        {
          id: "cwd",
          runtime: {
            type: "local-process",
            command: process.execPath,
            args: [fixture("probe-server")],
            working_dir: "sub",
          },
        },
      ],
    },
    dir,
  );
  assert.equal(textOf(await callTool(gw.supervisor, "cwd", "cwd")), path.join(dir, "sub"));
});

test("stderr is logged line by line with the server id, long lines truncated, floods rate-limited, env values masked", async (t) => {
  const gw = await startGateway(t, {
    servers: [
      {
        id: "talky",
        runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")] },
        env: { SECRET_TOKEN: "very-secret-token-42" },
      },
    ],
  });
  await callTool(gw.supervisor, "talky", "stderr", { lines: 1, text: "token is very-secret-token-42" });
  await callTool(gw.supervisor, "talky", "stderr", { lines: 1, width: 10_000 });
  await callTool(gw.supervisor, "talky", "stderr", { lines: 500 });
  await gw.supervisor.stop("talky");
  const stderr = gw.logs.records.filter((record) => record.stream === "stderr" && record.server === "talky");
  assert.ok(stderr.some((record) => record.msg === "token is [redacted] line 0"));
  assert.ok(!gw.logs.text().includes("very-secret-token-42"));
  const long = stderr.find((record) => record.truncated === true);
  assert.ok(long && Buffer.byteLength(long.msg) <= STDERR_LINE_BYTES);
  const lines = stderr.filter((record) => /^e+ line \d+$/.test(record.msg));
  assert.ok(lines.length < 500, `rate limited (${lines.length} of 500 logged)`);
  assert.ok(stderr.some((record) => typeof record.suppressed === "number" && record.suppressed > 0));
});

test("stopping a backend also ends the processes it spawned (its process group)", async (t) => {
  const gw = await startGateway(t, {
    servers: [
      { id: "parent", runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")] } },
    ],
  });
  const grandchild = Number(textOf(await callTool(gw.supervisor, "parent", "spawn-child")));
  assert.ok(isAlive(grandchild));
  await gw.supervisor.stop("parent");
  await waitUntil(() => !isAlive(grandchild), 5_000, "the grandchild to exit");
});

test("a command that does not exist fails the start with a message that says so", async (t) => {
  const gw = await startGateway(t, {
    servers: [{ id: "missing", runtime: { type: "local-process", command: "mcpgw-no-such-command" } }],
  });
  const error = await callTool(gw.supervisor, "missing", "echo").catch((caught: unknown) => caught as Error);
  assert.equal((error as Error).message, `Failed to start server 'missing': command not found: mcpgw-no-such-command`);
});

test("a working_dir that does not exist (or is a file) says so, not that the command is missing; validate warns", async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, "a-file"), "");
  const server = (id: string, working_dir: string) => ({
    id,
    runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")], working_dir },
  });
  const config = { servers: [server("nodir", "no-such-dir"), server("filedir", "a-file")] };
  const gw = await startGateway(t, config, dir);
  const failure = (id: string) =>
    callTool(gw.supervisor, id, "cwd").then(
      () => "started",
      (error: Error) => error.message,
    );
  assert.equal(
    await failure("nodir"),
    `Failed to start server 'nodir': working_dir ${path.join(dir, "no-such-dir")} does not exist`,
  );
  assert.equal(
    await failure("filedir"),
    `Failed to start server 'filedir': working_dir ${path.join(dir, "a-file")} is not a folder`,
  );
  const validated = await loadGateway({
    configFile: path.join(dir, "mcpgw.config.json"),
    cwd: dir,
    mode: "inspect",
    logger: captureLogs().logger,
  });
  assert.deepEqual(
    validated.issues.map((issue) => [issue.severity, formatPath(issue.path), issue.message]),
    [
      [
        "warning",
        "servers[0].runtime.working_dir",
        `Server 'nodir': working_dir ${path.join(dir, "no-such-dir")} does not exist`,
      ],
      [
        "warning",
        "servers[1].runtime.working_dir",
        `Server 'filedir': working_dir ${path.join(dir, "a-file")} is not a folder`,
      ],
    ],
  );
});
