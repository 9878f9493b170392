#!/usr/bin/env node
// The stdio front, as desktop clients use it: an SDK stdio client through `mcpgw stdio --server echo`
// next to the same client spawning the backend itself, in one run. Latency of sequential calls and
// throughput with 16 calls in flight on the one connection.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ECHO, QUICK, call } from "./_support.mjs";

const CLI = path.resolve(import.meta.dirname, "..", "dist", "bundle", "cli.js");
const SEQUENTIAL = QUICK ? 300 : 2000;
const IN_FLIGHT = 16;
const CONCURRENT = QUICK ? 1000 : 10_000;
// Unmeasured calls first, so the JIT has warmed up on the path measured.
const WARMUP_CALLS = QUICK ? 30 : 100;
const ROUNDS = QUICK ? 1 : 3;

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-stdio-"));
const config = path.join(dir, "mcpgw.config.json");
writeFileSync(
  config,
  JSON.stringify({
    log_level: "warn",
    state_dir: path.join(dir, "state"),
    servers: [{ id: "echo", runtime: { type: "local-process", command: process.execPath, args: [ECHO] } }],
  }),
);
const targets = {
  "direct stdio": [ECHO],
  "mcpgw stdio --server echo": [CLI, "stdio", "--config", config, "--server", "echo"],
};

async function measure(args) {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: "ignore" }));
  for (let i = 0; i < WARMUP_CALLS; i++) await call(client, i);
  const times = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = performance.now();
    await call(client, i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CONCURRENT) await call(client, next++);
    }),
  );
  const rps = CONCURRENT / ((performance.now() - start) / 1000);
  await client.close();
  return { p50: times[Math.floor(times.length / 2)], p99: times[Math.floor(times.length * 0.99)], rps };
}

const samples = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
try {
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, args] of Object.entries(targets)) samples[name].push(await measure(args));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = Object.entries(samples).map(([target, runs]) => ({
  target,
  p50: median(runs.map((run) => run.p50)),
  p99: median(runs.map((run) => run.p99)),
  rps: median(runs.map((run) => run.rps)),
}));
const direct = rows[0];
console.log(
  `stdio front: ${SEQUENTIAL} sequential calls, then ${CONCURRENT} with ${IN_FLIGHT} in flight; medians of ${ROUNDS}`,
);
console.table(
  rows.map((row) => ({
    target: row.target,
    "p50 ms": row.p50.toFixed(3),
    "x direct p50": (row.p50 / direct.p50).toFixed(2),
    "p99 ms": row.p99.toFixed(3),
    [`calls/s @${IN_FLIGHT} in flight`]: Math.round(row.rps),
    "x direct": (row.rps / direct.rps).toFixed(2),
  })),
);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ bench: "stdio", rows }));
