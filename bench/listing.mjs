#!/usr/bin/env node
// Aggregated tools/list on /mcp over 20 servers of 20 tools each: a cold gateway with no capability
// cache (every backend is started to ask it), a cold gateway that has the cache from an earlier run
// (nothing starts), and the same list again on a warm gateway.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECHO, QUICK, connect, freePort, startTarget } from "./_support.mjs";

const SERVERS = 20;
const TOOLS = 20;
const ROUNDS = QUICK ? 1 : 3;
const CLI = path.resolve(import.meta.dirname, "..", "dist", "bundle", "cli.js");

async function listAll(url) {
  const client = await connect(url);
  const start = performance.now();
  let tools = 0;
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools += page.tools.length;
    cursor = page.nextCursor;
  } while (cursor);
  const ms = performance.now() - start;
  await client.close();
  if (tools !== SERVERS * TOOLS) throw new Error(`listed ${tools} tools, expected ${SERVERS * TOOLS}`);
  return ms;
}

async function gateway(stateDir, dir) {
  const port = await freePort();
  const config = path.join(dir, "mcpgw.config.json");
  const servers = Array.from({ length: SERVERS }, (_, i) => ({
    id: `s${i}`,
    runtime: { type: "local-process", command: process.execPath, args: [ECHO] },
    env: { ECHO_EXTRA_TOOLS: String(TOOLS - 1) },
  }));
  writeFileSync(
    config,
    JSON.stringify({ listen_addr: `127.0.0.1:${port}`, log_level: "warn", state_dir: stateDir, servers }),
  );
  return startTarget("mcpgw", process.execPath, [CLI, "serve", "--config", config], `http://127.0.0.1:${port}/mcp`);
}

const samples = { "cold, no capability cache": [], "cold, from the capability cache": [], warm: [] };
const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-listing-"));
try {
  for (let round = 0; round < ROUNDS; round++) {
    const stateDir = path.join(dir, `state-${round}`);
    let target = await gateway(stateDir, dir);
    samples["cold, no capability cache"].push(await listAll(target.url));
    await target.stop();
    target = await gateway(stateDir, dir);
    samples["cold, from the capability cache"].push(await listAll(target.url));
    samples.warm.push(await listAll(target.url));
    await target.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = Object.entries(samples).map(([gatewayState, runs]) => ({
  "gateway state": gatewayState,
  ms: median(runs),
}));
console.log(`aggregated tools/list on /mcp, ${SERVERS} servers x ${TOOLS} tools, median of ${ROUNDS}`);
const uncached = rows[0].ms;
console.table(
  rows.map((row) => ({ ...row, ms: row.ms.toFixed(1), "x cold without cache": (row.ms / uncached).toFixed(3) })),
);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ bench: "listing", rows }));
