#!/usr/bin/env node
// CPU time the gateway process spends per tools/call on /mcp/echo (user + system, from /proc), which
// stays steady where wall-clock throughput swings with the machine's load. With MCPGW_BASELINE set
// to another built checkout, the two builds are measured in alternating rounds in the same run.
// BENCH_BACKEND=http puts the echo server behind remote-sse (Streamable HTTP) instead of stdio.
// BENCH_ROUTE=aggregated drives /mcp (the tool as echo__echo) instead of /mcp/echo.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { QUICK, connect, freePort } from "./_support.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const ECHO = path.join(import.meta.dirname, "_echo-server.mjs");
const SESSIONS = 8;
const CALLS = Number(process.env.BENCH_CALLS ?? (QUICK ? 600 : 3000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const CLOCK_TICKS = 100; // USER_HZ on Linux
const REMOTE = process.env.BENCH_BACKEND === "http";
const AGGREGATED = process.env.BENCH_ROUTE === "aggregated";
const ROUTE = AGGREGATED ? "/mcp" : "/mcp/echo";
const TOOL = AGGREGATED ? "echo__echo" : "echo";

const builds = [{ name: "mcpgw", root: ROOT }];
if (process.env.MCPGW_BASELINE) builds.push({ name: "baseline", root: path.resolve(process.env.MCPGW_BASELINE) });

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

async function calls(clients, count) {
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < count) await client.callTool({ name: TOOL, arguments: { text: `call ${next++}` } });
    }),
  );
}

/** The echo server over Streamable HTTP, shared by every measured gateway; resolves with its URL. */
async function startHttpBackend() {
  const port = await freePort();
  const child = spawn(process.execPath, [ECHO, "--http", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise((resolve, reject) => {
    child.stderr.once("data", resolve);
    child.once("exit", reject);
  });
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

async function measure(build, dir, backendUrl) {
  const port = await freePort();
  const config = path.join(dir, `${build.name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      listen_addr: `127.0.0.1:${port}`,
      log_level: "warn",
      state_dir: path.join(dir, `state-${build.name}`),
      servers: [
        {
          id: "echo",
          runtime: backendUrl
            ? { type: "remote-sse", url: backendUrl, transport: "streamable-http" }
            : { type: "local-process", command: process.execPath, args: [ECHO] },
        },
      ],
    }),
  );
  const child = spawn(process.execPath, [path.join(build.root, "dist/bundle/cli.js"), "serve", "--config", config], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}${ROUTE}`;
  try {
    let clients;
    for (const deadline = Date.now() + 60_000; ;) {
      try {
        clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(url)));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await calls(clients, 500); // warm: the backend started, the code optimised
    const before = cpuMs(child.pid);
    await calls(clients, CALLS);
    const used = cpuMs(child.pid) - before;
    await Promise.all(clients.map((client) => client.close()));
    return (used / CALLS) * 1000;
  } finally {
    child.kill("SIGTERM");
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-cpu-"));
const results = Object.fromEntries(builds.map((build) => [build.name, []]));
const backend = REMOTE ? await startHttpBackend() : undefined;
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) results[build.name].push(await measure(build, dir, backend?.url));
  }
} finally {
  backend?.child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `gateway CPU per tools/call on ${ROUTE}, ${REMOTE ? "Streamable HTTP" : "stdio"} backend (${SESSIONS} sessions, ${CALLS} calls, ${ROUNDS} rounds)`,
);
for (const [name, values] of Object.entries(results)) {
  console.log(
    `${name.padEnd(9)} median ${median(values).toFixed(1)} µs/call   runs ${values.map((value) => value.toFixed(1)).join(", ")}`,
  );
}
if (results.baseline) console.log(`mcpgw / baseline: ${(median(results.mcpgw) / median(results.baseline)).toFixed(3)}`);
