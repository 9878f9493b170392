#!/usr/bin/env node
// How long hostile request bodies stall the gateway: for each body, the time until its answer and the
// slowest /health round trip while it was sent and handled (a probe every 5 ms on its own connection).
// A stall of the event loop shows up as a slow /health.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";

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

function send(port, method, pathName, body) {
  return new Promise((resolve) => {
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
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", (error) => resolve(error.code ?? error.message));
    req.end(body);
  });
}

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
      let done = false;
      let slowest = 0;
      const probes = (async () => {
        while (!done) {
          const start = performance.now();
          await send(port, "GET", "/health");
          slowest = Math.max(slowest, performance.now() - start);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const start = performance.now();
      const status = await send(port, "POST", "/mcp", body);
      const took = performance.now() - start;
      done = true;
      await probes;
      console.log(`| ${name} | ${status} | ${took.toFixed(0)} ms | ${slowest.toFixed(1)} ms |`);
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
