#!/usr/bin/env node
// How long hostile request bodies stall the gateway: for each body, the time until its answer and the
// slowest /health round trip while it was sent and handled (a probe every 5 ms on its own connection,
// from a worker thread, so the sender's own work does not count). A stall of the gateway's event loop
// shows up as a slow /health. On a busy machine, run it twice: the first body also warms the JIT.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

const ROOT = path.resolve(import.meta.dirname, "..");
const CLI = path.join(ROOT, "dist", "src", "cli.js");
const MiB = 1024 * 1024;

const nested = (depth, inner = "0") => "[".repeat(depth) + inner + "]".repeat(depth);
const BODIES = {
  "4 MiB of '['": "[".repeat(4 * MiB - 1),
  "2 MB nested a million deep": nested(1_000_000),
  "id nested 10,000 deep": `{"jsonrpc":"2.0","id":${nested(10_000)},"method":"initialize","params":{}}`,
  "4 MiB flat array (legitimate shape)": `[${"0,".repeat(2 * MiB - 2)}0]`,
};

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** The answer's status; a client that got its answer and then fails writing the rest of its body (EPIPE) still counts it. */
function send(port, method, pathName, body) {
  return new Promise((resolve) => {
    let status;
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: pathName,
        agent: false,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        status = res.statusCode;
        res.resume();
        res.on("end", () => resolve(status));
      },
    );
    req.on("error", (error) => resolve(status ?? error.code ?? error.message));
    req.end(body);
  });
}

/** Probes /health every 5 ms until told to stop, then reports the slowest round trip. */
const PROBER = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
let stop = false;
let slowest = 0;
parentPort.once("message", () => (stop = true));
const health = () => new Promise((resolve) => {
  const req = http.get({ host: "127.0.0.1", port: workerData.port, path: "/health", agent: false }, (res) => {
    res.resume();
    res.on("end", resolve);
  });
  req.on("error", resolve);
});
(async () => {
  await health();
  parentPort.postMessage("ready");
  while (!stop) {
    const start = performance.now();
    await health();
    slowest = Math.max(slowest, performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  parentPort.postMessage(slowest);
})();
`;

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-"));
  const port = await freePort();
  writeFileSync(
    path.join(dir, "mcpgw.config.yaml"),
    `listen_addr: "127.0.0.1:${port}"\nstate_dir: ${JSON.stringify(dir)}\nservers: []\n`,
  );
  const child = spawn(process.execPath, [CLI, "serve", "--config", path.join(dir, "mcpgw.config.yaml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    for (let tries = 0; (await send(port, "GET", "/health")) !== 200; tries++) {
      if (tries > 400) throw new Error("the gateway did not come up");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log("| body | answer | time to answer | slowest /health meanwhile |");
    console.log("| --- | --- | --- | --- |");
    for (const [name, body] of Object.entries(BODIES)) {
      const prober = new Worker(PROBER, { eval: true, workerData: { port } });
      await new Promise((resolve) => prober.once("message", resolve));
      const start = performance.now();
      const status = await send(port, "POST", "/mcp", body);
      const took = performance.now() - start;
      prober.postMessage("stop");
      const slowest = await new Promise((resolve) => prober.once("message", resolve));
      console.log(`| ${name} | ${status} | ${took.toFixed(0)} ms | ${slowest.toFixed(1)} ms |`);
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
