// `npm start` as systemd, Docker or pm2 stop it: SIGTERM to npm. npm passes the signal to the
// script's shell; a shell that did not exec the gateway dies and leaves the gateway running.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { test } from "node:test";
import { repoRoot, tempDir } from "../helpers/files.js";
import { connectOutcome } from "../helpers/net.js";
import { isAlive, waitUntil } from "../supervisor/harness.js";

const NPM = path.join(path.dirname(process.execPath), "npm");

test("SIGTERM to `npm start` stops the gateway: no process left, nothing listening", async (t) => {
  const cache = tempDir(t, "mcpgw-npm-start-");
  // The repository's own script on its own config, on a free port. No npm_* of an outer `npm test`.
  const npm = spawn(NPM, ["start", "--", "--listen-addr", "127.0.0.1:0"], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? cache,
      XDG_CACHE_HOME: cache,
      npm_config_update_notifier: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const started: { gateway?: number } = {};
  t.after(() => {
    for (const pid of [npm.pid, started.gateway]) if (pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  });
  const exited = once(npm, "exit");
  let output = "";
  const listening = new Promise<{ pid: number; port: number }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const line = output.split("\n").find((candidate) => candidate.includes('"msg":"Listening on http://'));
      if (line) {
        const entry = JSON.parse(line) as { pid: number; msg: string };
        resolve({ pid: entry.pid, port: Number(/:(\d+)$/.exec(entry.msg)![1]) });
      }
    };
    npm.stdout!.on("data", onData);
    npm.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`npm start ended before listening:\n${output}`)));
  });
  const { pid, port } = await listening;
  started.gateway = pid;
  assert.notEqual(pid, npm.pid);

  npm.kill("SIGTERM");
  await exited;
  await waitUntil(() => !isAlive(pid), 10_000, `the gateway (pid ${pid}) to exit after npm got SIGTERM`);
  assert.equal(await connectOutcome(port), "ECONNREFUSED");
  // It drained and stopped as on any SIGTERM, not killed.
  assert.match(output, /SIGTERM received: draining and stopping/);
});
