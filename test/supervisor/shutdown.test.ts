import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../../src/kernel/errors.js";
import { CLI, tempDir, writeFiles } from "../helpers/files.js";
import {
  assertNoSurvivors,
  callTool,
  fixture,
  fixtureServer,
  readLines,
  startGateway,
  textOf,
  waitUntil,
} from "./harness.js";

test("kernel stop drains in-flight calls, refuses new ones, then stops the backends", async (t) => {
  const pids = path.join(tempDir(t), "pids");
  const gw = await startGateway(t, { servers: [fixtureServer("busy", "probe-server", { env: { PID_FILE: pids } })] });
  const calls = Array.from({ length: 5 }, () => callTool(gw.supervisor, "busy", "sleep", { ms: 800 }));
  await waitUntil(() => gw.supervisor.get("busy").in_flight === 5, 5_000, "5 calls in flight");
  const stopping = gw.kernel.stop();
  const refused = await callTool(gw.supervisor, "busy", "echo", { text: "late" }).catch((error: unknown) => error);
  assert.ok(isGatewayError(refused, "MCPGW_ERR_SHUTTING_DOWN"), String(refused));
  assert.deepEqual((await Promise.all(calls)).map(textOf), Array(5).fill("slept 800"));
  await stopping;
  assert.equal(gw.supervisor.get("busy").status, "stopped");
  await assertNoSurvivors(pids);
});

/** A config for the real CLI: one autostart probe server, plus `extra` top-level keys. */
function cliConfig(
  dir: string,
  pids: string,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
): string {
  const file = path.join(dir, "mcpgw.config.json");
  writeFiles(dir, {
    "mcpgw.config.json": JSON.stringify({
      state_dir: path.join(dir, "state"),
      ...extra,
      servers: [
        {
          id: "probe",
          autostart: true,
          runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")] },
          env: { PID_FILE: pids, ...env },
        },
      ],
    }),
  });
  return file;
}

function runCli(t: { after(fn: () => unknown): void }, config: string) {
  const child = spawn(process.execPath, [CLI, "serve", "--config", config, "--listen-addr", "127.0.0.1:0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { child, stderr: () => stderr };
}

test("SIGTERM with calls in flight: the calls finish, children exit, the CLI exits 0, no process is left", async (t) => {
  const dir = tempDir(t);
  const pids = path.join(dir, "pids");
  const results = path.join(dir, "results");
  const marker = path.join(dir, "in-flight");
  // A test-only plugin: the honest way to have calls in flight inside the real CLI while no MCP route exists in this test.
  writeFiles(dir, {
    "inflight-plugin.mjs": `
import { appendFileSync, writeFileSync } from "node:fs";
export default (options) => ({
  name: "inflight-test",
  apply(ctx) {
    ctx.hooks.started.tap("inflight-test", () => {
      const supervisor = ctx.kernel.container.resolve(Symbol.for("mcpgw:core.supervisor"));
      for (let i = 0; i < 5; i++) {
        supervisor.request("probe", { method: "tools/call", params: { name: "sleep", arguments: { ms: 1500 } } }).then(
          (result) => appendFileSync(options.results, "ok " + result.content[0].text + "\\n"),
          (error) => appendFileSync(options.results, "error " + error.message + "\\n"),
        );
      }
      const check = setInterval(() => {
        if (supervisor.get("probe").in_flight === 5) { clearInterval(check); writeFileSync(options.marker, "5"); }
      }, 10);
    });
  },
});
`,
  });
  const config = cliConfig(dir, pids, {
    preset: "none",
    plugins: { "process-runtime": {}, "./inflight-plugin.mjs": { results, marker } },
  });
  const gateway = runCli(t, config);
  await waitUntil(() => existsSync(marker), 15_000, "5 calls in flight in the gateway");
  gateway.child.kill("SIGTERM");
  const [code] = await once(gateway.child, "exit");
  assert.equal(code, 0, gateway.stderr());
  assert.deepEqual(readLines(results), Array(5).fill("ok slept 1500"));
  await assertNoSurvivors(pids);
});

test("a gateway killed with SIGKILL leaves no backend behind, even one that ignores stdin EOF", async (t) => {
  const dir = tempDir(t);
  const pids = path.join(dir, "pids");
  const config = cliConfig(dir, pids, { preset: "none", plugins: { "process-runtime": {} } }, { KEEP_ALIVE: "1" });
  const gateway = runCli(t, config);
  await waitUntil(() => readLines(pids).length === 1, 15_000, "the autostart backend to run");
  gateway.child.kill("SIGKILL");
  await once(gateway.child, "exit");
  // The orphan guard ends the backend's group (SIGTERM) once the gateway's pipe closes.
  await assertNoSurvivors(pids, 10_000);
});
