import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { test } from "node:test";
import { CLI, tempDir, writeFiles } from "../helpers/files.js";
import { fixture, fixtureServer, isAlive, readLines, startGateway, waitUntil } from "../supervisor/harness.js";

/** The detached grandchild is not ours to wait for: its end is polled, boundedly (a zombie counts as gone: its parent is init now). */
async function assertGone(pid: number): Promise<void> {
  await waitUntil(() => !isAlive(pid), 10_000, `the detached grandchild ${pid} to be gone`);
}

/** The real CLI with one autostart backend that starts a `detached: true` grandchild; resolves its pid. */
async function gatewayWithDetachedGrandchild(t: { after(fn: () => unknown): void }) {
  const dir = tempDir(t);
  const grandchild = path.join(dir, "grandchild");
  writeFiles(dir, {
    "mcpgw.config.json": JSON.stringify({
      preset: "none",
      plugins: { "process-runtime": {} },
      state_dir: path.join(dir, "state"),
      servers: [
        {
          id: "browser-like",
          autostart: true,
          runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")] },
          env: { SPAWN_DETACHED: grandchild },
        },
      ],
    }),
  });
  const gateway = spawn(process.execPath, [CLI, "serve", "--config", path.join(dir, "mcpgw.config.json")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  gateway.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => {
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill("SIGKILL");
    for (const pid of readLines(grandchild).map(Number)) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  });
  await waitUntil(() => readLines(grandchild).length === 1, 15_000, "the backend's detached grandchild to run");
  return { gateway, grandchild: Number(readLines(grandchild)[0]), stderr: () => stderr };
}

test("SIGTERM: the gateway exits 0 and a grandchild that left the process group is gone too", async (t) => {
  const { gateway, grandchild, stderr } = await gatewayWithDetachedGrandchild(t);
  gateway.kill("SIGTERM");
  const [code] = await once(gateway, "exit");
  assert.equal(code, 0, stderr());
  await assertGone(grandchild);
});

test("SIGKILL of the gateway: a grandchild that left the process group is gone shortly after", async (t) => {
  const { gateway, grandchild } = await gatewayWithDetachedGrandchild(t);
  gateway.kill("SIGKILL");
  await once(gateway, "exit");
  await assertGone(grandchild);
});

test("stopping a backend ends its detached grandchild while the gateway runs on", async (t) => {
  const grandchildFile = path.join(tempDir(t), "grandchild");
  const gw = await startGateway(t, {
    servers: [fixtureServer("browser-like", "probe-server", { env: { SPAWN_DETACHED: grandchildFile } })],
  });
  await gw.supervisor.start("browser-like");
  await waitUntil(() => readLines(grandchildFile).length === 1, 10_000, "the detached grandchild to run");
  const grandchild = Number(readLines(grandchildFile)[0]);
  t.after(() => {
    if (isAlive(grandchild)) process.kill(grandchild, "SIGKILL");
  });
  await gw.supervisor.stop("browser-like");
  await assertGone(grandchild);
  assert.equal(gw.supervisor.get("browser-like").status, "stopped");
});
