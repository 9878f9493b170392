#!/usr/bin/env node
// Side by side, in one run on this machine: the echo tool served directly by the SDK's Streamable
// HTTP server, and the same tool (a stdio backend) behind mcpgw's /mcp/:id, mcp-proxy and
// supergateway. Reports throughput at 16 concurrent sessions and latency at one client, each as a
// ratio of the direct figure measured in the same run.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECHO_SERVER, QUICK, call, connect, startDirect, startGatewayProcess, startPeer } from "./_support.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 16);
const CALLS_PER_SESSION = Number(process.env.BENCH_CALLS ?? (QUICK ? 15 : 250));
const LATENCY_CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? (QUICK ? 60 : 600));
// Unmeasured calls first (per client), so the JIT has warmed up on the path measured.
const WARMUP_CALLS = QUICK ? 10 : 100;
// Quick runs leave the peers to throughput.mjs.
const only = QUICK ? ["mcpgw"] : process.argv.slice(2);

async function latency(url) {
  const client = await connect(url);
  for (let i = 0; i < WARMUP_CALLS; i++) await call(client, i);
  const times = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const start = process.hrtime.bigint();
    await call(client, i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await client.close();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)], p99: times[Math.floor(times.length * 0.99)] };
}

async function throughput(url) {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(url)));
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < WARMUP_CALLS / 5; i++) await call(client, i);
    }),
  );
  let errors = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < CALLS_PER_SESSION; i++) await call(client, i).catch(() => errors++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(clients.map((client) => client.close()));
  return { rps: (SESSIONS * CALLS_PER_SESSION) / seconds, errors };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-http-"));

const startGateway = (name, root) =>
  startGatewayProcess({
    name,
    dir,
    root,
    settings: { log_level: "warn", state_dir: path.join(dir, "state"), servers: [ECHO_SERVER] },
  });
const targets = [
  { name: "direct (SDK Streamable HTTP)", start: (name) => startDirect(name) },
  { name: "mcpgw /mcp/echo", start: (name) => startGateway(name, ROOT) },
  // Another build of the gateway in the same run (MCPGW_BASELINE=/path/to/other/checkout, built), to measure a change.
  ...(process.env.MCPGW_BASELINE
    ? [
        {
          name: "mcpgw baseline /mcp/echo",
          start: (name) => startGateway(name, path.resolve(process.env.MCPGW_BASELINE)),
        },
      ]
    : []),
  { name: "mcp-proxy 6.7.19", start: (name) => startPeer(name, dir) },
  { name: "supergateway 4.0.0", start: (name) => startPeer(name, dir) },
].filter(({ name }) => only.length === 0 || name.startsWith("direct") || only.some((part) => name.includes(part)));

const rows = [];
try {
  for (const { name, start } of targets) {
    const target = await start(name);
    try {
      const lat = await latency(target.url);
      const thr = await throughput(target.url);
      rows.push({ target: target.name, ...lat, ...thr });
      console.error(`measured ${target.name}`);
    } finally {
      await target.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const direct = rows[0];
console.log(
  `HTTP relay, echo tool: ${SESSIONS} sessions x ${CALLS_PER_SESSION} calls for throughput, ${LATENCY_CALLS} sequential calls for latency (${os.cpus().length} cores)`,
);
console.table(
  rows.map((row) => ({
    target: row.target,
    "calls/s @16": Math.round(row.rps),
    "x direct": (row.rps / direct.rps).toFixed(2),
    "p50 ms @1": row.p50.toFixed(3),
    "added p50 ms": (row.p50 - direct.p50).toFixed(3),
    "p99 ms @1": row.p99.toFixed(3),
    errors: row.errors,
  })),
);
