#!/usr/bin/env node
// Boot cost with a large config: 500 servers, none running. Measures, per run, the time from
// spawning `mcpgw serve` to its "Listening on" log line and the resident memory at that moment,
// next to a bare `node` process started the same way in the same run; and, for desktop clients,
// from spawning `mcpgw stdio` to its answer to initialize. MCPGW_CLI=dist/src/cli.js times
// the unbundled tsc output instead of the bundle the bins run.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const SERVERS = 500;
const SMALLER = [0, 100];
const RUNS = process.env.BENCH_QUICK === "1" ? 1 : 7;
const cli = process.env.MCPGW_CLI ?? path.resolve(import.meta.dirname, "..", "dist", "bundle", "cli.js");

/**
 * `count` local-process servers in the shapes configs are written in: block mappings, flow lists
 * and maps, `${VAR:-default}` in args and env.
 */
function manyServersYaml(count) {
  const lines = ["listen_addr: 127.0.0.1:0", "log_level: info", count === 0 ? "servers: []" : "servers:"];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - id: server-${i}`,
      `    display_name: Server ${i}`,
      `    tags: [bench, group-${i % 10}]`,
      "    runtime:",
      "      type: local-process",
      "      command: node",
      `      args: ["server.js", "--index", "${i}", "--token", "\${BENCH_TOKEN:-none}"]`,
      `    env: { INDEX: "${i}", TOKEN: "\${BENCH_TOKEN:-none}" }`,
      `    idle_timeout_seconds: ${60 + (i % 5)}`,
    );
  }
  return lines.join("\n") + "\n";
}

function rssOf(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * Spawns `args` (writing `input` to its stdin, if given), resolves when `ready` matches its output
 * (or rejects if it exits first), with the time and RSS then.
 */
function measure(args, ready, input) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    if (input) child.stdin.write(input);
    let buffer = "";
    let done = false;
    const finish = (ms, rss) => {
      done = true;
      child.kill("SIGTERM");
      resolve({ ms, rss });
    };
    const onText = (chunk) => {
      buffer += chunk;
      if (!done && ready.test(buffer)) finish(Number(process.hrtime.bigint() - started) / 1e6, rssOf(child.pid));
    };
    child.stderr.on("data", onText);
    child.stdout.on("data", onText);
    child.on("exit", (code) => {
      if (!done) reject(new Error(`exited with ${code} before ready:\n${buffer}`));
    });
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-"));
try {
  const config = path.join(dir, "mcpgw.config.yaml");
  writeFileSync(config, manyServersYaml(SERVERS));
  const configOf = (count) => {
    const file = path.join(dir, `mcpgw-${count}.config.yaml`);
    writeFileSync(file, manyServersYaml(count));
    return file;
  };
  const smaller = SMALLER.map((count) => ({ count, config: configOf(count), runs: [] }));
  const gateway = [];
  const stdio = [];
  const bare = [];
  for (let run = 0; run < RUNS; run++) {
    bare.push(await measure(["-e", "process.stderr.write('ready\\n'); setInterval(() => {}, 1000)"], /ready/));
    for (const size of smaller) size.runs.push(await measure([cli, "serve", "--config", size.config], /Listening on/));
    gateway.push(await measure([cli, "serve", "--config", config], /Listening on/));
    // What a desktop client waits for: `mcpgw stdio` spawned, its answer to initialize on stdout.
    stdio.push(await measure([cli, "stdio", "--config", config], /"result"/, `${INITIALIZE}\n`));
  }
  const row = (name, runs) => ({
    name,
    ms: median(runs.map((r) => r.ms)).toFixed(1),
    rssMB: (median(runs.map((r) => r.rss)) / 1048576).toFixed(1),
  });
  const g = row(`mcpgw serve, ${SERVERS} servers`, gateway);
  const s = row(`mcpgw stdio, ${SERVERS} servers: initialize answered`, stdio);
  const b = row("bare node process", bare);
  console.log(`config load: median of ${RUNS} runs (spawn to ready, RSS at ready)`);
  const sizes = smaller.map((size) => row(`mcpgw serve, ${size.count} servers`, size.runs));
  console.table(
    [b, ...sizes, g, s].map((r) => ({
      ...r,
      "x bare ms": (Number(r.ms) / Number(b.ms)).toFixed(2),
      "x bare RSS": (Number(r.rssMB) / Number(b.rssMB)).toFixed(2),
    })),
  );
  console.log(
    `gateway / bare node: time ${(Number(g.ms) / Number(b.ms)).toFixed(2)}x, RSS ${(Number(g.rssMB) / Number(b.rssMB)).toFixed(2)}x`,
  );
  const met = Number(g.ms) <= 3 * Number(b.ms) && Number(g.rssMB) <= 80;
  console.log(`budget: <= 3x the bare node time and <= 80 MB -> ${met ? "met" : "NOT met"}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
