#!/usr/bin/env node
// tools/call through every front of the gateway and through its peers, side by side in one run, driven
// by the raw load generator (bench/_load.mjs) with prepared sessions: latency at 1 client, requests/s
// and p99 at 16 and 64 sessions. Every figure is also a ratio of the direct SDK server's in the same
// run; bare node:http shows what the generator itself can drive.
// Usage: node bench/throughput.mjs [--quick] [--rounds N] [--seconds S] [--concurrency 1,16,64] [--no-peers]
//        [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { drive, openSse, openStreamable } from "./_load.mjs";
import {
  ECHO_SERVER,
  freePort,
  startAll,
  startDirect,
  startGatewayProcess,
  startPeer,
  startTarget,
} from "./_support.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index === -1 ? fallback : argv[index + 1];
};
const QUICK = flag("quick") || process.env.BENCH_QUICK === "1";
const ROUNDS = Number(option("rounds", QUICK ? 1 : 3));
const SECONDS = Number(option("seconds", QUICK ? 0.5 : 5));
// Before each figure, its sessions call unmeasured for this long (and, in the first round, for a longer
// run first: the backend starts and the JIT warms up on this path before its first figure).
const WARMUP_SECONDS = QUICK ? 0.1 : 1;
const FIRST_WARMUP_SECONDS = QUICK ? 0.2 : 2;
const CONCURRENCY = String(option("concurrency", "1,16,64")).split(",").map(Number);

const PEERS = ["mcp-proxy 6.7.19", "supergateway 4.0.0", "mcp-hub 4.2.1"];

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-throughput-"));

const bareProbe = async (url) => {
  const response = await fetch(url, { method: "POST", body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
};

const startGateway = (directUrl) =>
  startGatewayProcess({
    name: "mcpgw",
    dir,
    settings: {
      log_level: "warn",
      state_dir: path.join(dir, "state"),
      servers: [
        ECHO_SERVER,
        { id: "remote", runtime: { type: "remote-sse", url: directUrl, transport: "streamable-http" } },
      ],
    },
  });

const processes = [];
/** Progress lines say how long each step took, so a slow step of a run is seen. */
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

const rows = [];
try {
  const starting = performance.now();
  const barePort = await freePort();
  const directStarting = startDirect();
  const targets = await startAll([
    startTarget(
      "bare node:http",
      process.execPath,
      [path.join(import.meta.dirname, "_bare-http.mjs"), String(barePort)],
      `http://127.0.0.1:${barePort}/mcp`,
      {},
      bareProbe,
    ),
    directStarting,
    directStarting.then((target) => startGateway(target.url)),
    ...(flag("no-peers") ? [] : PEERS.map((name) => startPeer(name, dir))),
  ]);
  processes.push(...targets);
  console.error(`${targets.length} targets up (${seconds(starting)})`);
  const [bare, direct, gateway, ...peers] = targets;
  const base = gateway.url.replace(/\/mcp\/echo$/, "");
  // name, how to open one session, the tool name on that front
  const cases = [
    { name: "bare node:http (generator limit)", open: () => openStreamable(bare.url), tool: "echo" },
    { name: "direct SDK server", open: () => openStreamable(direct.url), tool: "echo" },
    { name: "mcpgw /mcp/:id -> stdio", open: () => openStreamable(`${base}/mcp/echo`), tool: "echo" },
    { name: "mcpgw /mcp aggregated -> stdio", open: () => openStreamable(`${base}/mcp`), tool: "echo__echo" },
    { name: "mcpgw /sse/:id -> stdio", open: () => openSse(`${base}/sse/echo`), tool: "echo" },
    { name: "mcpgw /mcp/:id -> Streamable HTTP", open: () => openStreamable(`${base}/mcp/remote`), tool: "echo" },
  ];
  for (const peer of peers)
    cases.push(
      peer.legacySse
        ? { name: peer.name, open: () => openSse(peer.url), tool: "echo__echo" }
        : { name: peer.name, open: () => openStreamable(peer.url), tool: "echo" },
    );
  const samples = new Map(cases.map((c) => [c.name, Object.fromEntries(CONCURRENCY.map((n) => [n, []]))]));
  // A case's sessions are prepared once per round, as many as its largest figure needs; each figure
  // drives the first n of them (an idle session costs its target nothing while the others call).
  const sessionsNeeded = Math.max(16, ...CONCURRENCY);
  // The generator's own code is warmed up first, on the cheapest target, so that the first case measured
  // (the generator's limit) does not pay for its JIT; short quick windows would show that limit below the targets'.
  const warming = await Promise.all(Array.from({ length: 16 }, () => openStreamable(bare.url)));
  await drive(warming, "echo", { seconds: QUICK ? 1 : 2, warmupSeconds: 0 });
  await Promise.all(warming.map((session) => session.close()));
  // Rounds go over every case in turn, so a noisy moment spreads over all of them rather than one.
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const started = performance.now();
      const sessions = await Promise.all(Array.from({ length: sessionsNeeded }, () => c.open()));
      if (round === 0) await drive(sessions.slice(0, 16), c.tool, { seconds: FIRST_WARMUP_SECONDS, warmupSeconds: 0 });
      for (const n of CONCURRENCY)
        samples
          .get(c.name)
          [n].push(await drive(sessions.slice(0, n), c.tool, { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }));
      await Promise.all(sessions.map((session) => session.close()));
      console.error(`round ${round + 1}/${ROUNDS}: ${c.name} (${seconds(started)})`);
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  for (const c of cases) {
    const figures = {};
    let errors = 0;
    for (const n of CONCURRENCY) {
      const runs = samples.get(c.name)[n];
      figures[n] = Object.fromEntries(["rps", "p50", "p99"].map((key) => [key, median(runs.map((run) => run[key]))]));
      errors += runs.reduce((sum, run) => sum + run.errors, 0);
    }
    rows.push({ target: c.name, figures, errors });
  }
} finally {
  await Promise.all(processes.map((target) => target.stop()));
  rmSync(dir, { recursive: true, force: true });
}

const direct = rows.find((row) => row.target === "direct SDK server");
console.log(
  `tools/call, raw generator with prepared sessions: ${ROUNDS} round(s) of ${SECONDS} s per figure, medians (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
);
console.table(
  rows.map((row) => {
    const cells = { target: row.target };
    for (const n of CONCURRENCY) {
      const own = row.figures[n];
      const base = direct.figures[n];
      if (n === 1) {
        cells["p50 ms @1"] = own.p50.toFixed(3);
        cells["added p50 ms"] = (own.p50 - base.p50).toFixed(3);
        cells["p99 ms @1"] = own.p99.toFixed(3);
      } else {
        cells[`req/s @${n}`] = Math.round(own.rps);
        cells[`x direct @${n}`] = (own.rps / base.rps).toFixed(2);
        cells[`p99 ms @${n}`] = own.p99.toFixed(1);
      }
    }
    cells.errors = row.errors;
    return cells;
  }),
);
// The generator's own ceiling must be above every target's figure, or the figures would be the generator's.
const [generator, ...measured] = rows;
for (const n of CONCURRENCY.filter((count) => count > 1)) {
  const fastest = measured.reduce((best, row) => (row.figures[n].rps > best.figures[n].rps ? row : best));
  console.log(
    `generator limit @${n}: ${Math.round(generator.figures[n].rps)} req/s, ${(generator.figures[n].rps / fastest.figures[n].rps).toFixed(2)}x the fastest target (${fastest.target})`,
  );
}
const json = option("json", process.env.BENCH_JSON);
if (json) writeFileSync(json, JSON.stringify({ bench: "throughput", rounds: ROUNDS, seconds: SECONDS, rows }, null, 2));
