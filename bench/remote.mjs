#!/usr/bin/env node
// A remote (Streamable HTTP) backend behind mcpgw, with one upstream MCP session per client session
// (remote-sse's default) and with one shared upstream session (isolation: shared), in one run:
// - throughput of tools/call through /mcp/:id with N concurrent clients, as a ratio of the same
//   clients calling the upstream directly;
// - heap the gateway holds per client session that made one call, and the TCP connections the
//   upstream sees from the gateway (all upstream sessions share Node's fetch pool).
// MCPGW_BASELINE=/path/to/other/checkout (built) adds that build, default config, to the throughput.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECHO, QUICK, call, connect, freePort, startTarget } from "./_support.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 16);
const CALLS_PER_SESSION = Number(process.env.BENCH_CALLS ?? (QUICK ? 15 : 250));
const HEAP_SESSIONS = Number(process.env.BENCH_HEAP_SESSIONS ?? (QUICK ? 20 : 200));
// Unmeasured calls per client first, so the JIT has warmed up on the path measured.
const WARMUP_CALLS = QUICK ? 5 : 20;
const ISOLATIONS = { "per-client upstream session": undefined, "isolation: shared": "shared" };

const remoteServer = (url, isolation) => ({
  id: "echo",
  runtime: { type: "remote-sse", url, transport: "streamable-http" },
  ...(isolation && { isolation }),
});

const upstreamStats = async (upstream) => (await fetch(`${upstream.origin}/stats`)).json();

if (process.argv[2] === "--heap") {
  process.stdout.write(JSON.stringify(await heapPerSession(process.argv[3], process.argv[4] || undefined)));
  process.exit(0);
}

/** Runs in a child with --expose-gc: an in-process gateway, raw-HTTP clients that hold almost nothing. */
async function heapPerSession(upstreamUrl, isolation) {
  await import("reflect-metadata");
  const { loadGateway } = await import("../dist/src/gateway/loadGateway.js");
  const { createLogger } = await import("../dist/src/kernel/logger.js");
  const { httpFrontendTokens } = await import("../dist/plugins/http-frontend/index.js");
  const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-remote-heap-"));
  const config = path.join(dir, "mcpgw.config.yaml");
  const state_dir = path.join(dir, "state");
  const servers = [remoteServer(upstreamUrl, isolation)];
  // Every session stays open: at the default caps (100 per principal) the 101st would close the oldest idle one.
  const caps = { max_sessions: HEAP_SESSIONS + 10, max_sessions_per_principal: HEAP_SESSIONS + 10 };
  writeFileSync(
    config,
    JSON.stringify({ listen_addr: "127.0.0.1:0", state_dir, servers, plugins: { "http-frontend": caps } }),
  );
  const { kernel } = await loadGateway({ configFile: config, logger: createLogger("silent") });
  await kernel.start();
  const base = `http://127.0.0.1:${kernel.container.resolve(httpFrontendTokens.frontend).address.port}/mcp/echo`;
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const post = async (body, session) => {
    const response = await fetch(base, {
      method: "POST",
      headers: session ? { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : headers,
      body: JSON.stringify(body),
    });
    await response.text();
    return response.headers.get("mcp-session-id");
  };
  const open = async () => {
    const params = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "heap", version: "1" } };
    const session = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params }, undefined);
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session);
    const call = { name: "echo", arguments: { text: "x" } };
    await post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: call }, session);
  };
  const heap = async () => {
    for (let i = 0; i < 4; i++) {
      global.gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };
  await open(); // the first session loads the SDK and starts the shared upstream session; not counted
  const upstream = new URL(upstreamUrl);
  const connectionsBefore = (await upstreamStats(upstream)).connections.open;
  const before = await heap();
  for (let i = 0; i < HEAP_SESSIONS; i++) await open();
  const after = await heap();
  const connectionsAfter = (await upstreamStats(upstream)).connections.open;
  await kernel.stop();
  rmSync(dir, { recursive: true, force: true });
  return { kbPerSession: (after - before) / HEAP_SESSIONS / 1024, connections: connectionsAfter - connectionsBefore };
}

async function close(client) {
  await client.transport.terminateSession().catch(() => {});
  await client.close();
}

async function throughput(url, upstream) {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(url)));
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < WARMUP_CALLS; i++) await call(client, i);
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
  const { connections } = await upstreamStats(upstream);
  await Promise.all(clients.map(close));
  return { rps: (SESSIONS * CALLS_PER_SESSION) / seconds, errors, upstreamConnections: connections.open };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-remote-"));

async function startGateway(name, root, upstreamUrl, isolation) {
  const port = await freePort();
  const config = path.join(dir, `${name.replace(/\W+/g, "-")}.config.yaml`);
  const servers = [remoteServer(upstreamUrl, isolation)];
  const settings = { listen_addr: `127.0.0.1:${port}`, log_level: "warn", state_dir: path.join(dir, name) };
  writeFileSync(config, JSON.stringify({ ...settings, servers }));
  const cli = path.join(root, "dist/bundle/cli.js");
  return startTarget(name, process.execPath, [cli, "serve", "--config", config], `http://127.0.0.1:${port}/mcp/echo`);
}

/** Progress lines say how long each step took, so a slow step of a run is seen. */
let stepStarted = performance.now();
const progress = (step) => {
  console.error(`${step} (${((performance.now() - stepStarted) / 1000).toFixed(1)} s)`);
  stepStarted = performance.now();
};

const upstreamPort = await freePort();
const direct = await startTarget(
  "direct (SDK Streamable HTTP)",
  process.execPath,
  [ECHO, "--http", String(upstreamPort)],
  `http://127.0.0.1:${upstreamPort}/mcp`,
);
const upstream = new URL(direct.url);
const rows = [];
const heapRows = [];
try {
  progress("upstream up");
  rows.push({ target: direct.name, ...(await throughput(direct.url, upstream)) });
  progress(`measured ${direct.name}`);
  const gateways = Object.entries(ISOLATIONS).map(
    ([label, isolation]) =>
      () =>
        startGateway(`mcpgw /mcp/echo, ${label}`, ROOT, direct.url, isolation),
  );
  if (process.env.MCPGW_BASELINE)
    gateways.push(() => startGateway("mcpgw baseline /mcp/echo", path.resolve(process.env.MCPGW_BASELINE), direct.url));
  for (const start of gateways) {
    const target = await start();
    progress(`${target.name} up`);
    try {
      rows.push({ target: target.name, ...(await throughput(target.url, upstream)) });
      progress(`measured ${target.name}`);
    } finally {
      await target.stop();
    }
  }
  // One after the other: each counts the connections the one upstream sees.
  for (const [label, isolation] of Object.entries(ISOLATIONS)) {
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", import.meta.filename, "--heap", direct.url, isolation ?? ""],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    if (child.status !== 0) throw new Error(`the heap run for ${label} failed`);
    heapRows.push({ label, ...JSON.parse(child.stdout) });
    progress(`heap per session, ${label}`);
  }
} finally {
  await direct.stop();
  rmSync(dir, { recursive: true, force: true });
}

const baseline = rows[0];
console.log(
  `Remote backend (Streamable HTTP upstream), echo tool: ${SESSIONS} concurrent sessions x ${CALLS_PER_SESSION} calls (${os.cpus().length} cores)`,
);
console.table(
  rows.map((row) => ({
    target: row.target,
    [`calls/s @${SESSIONS}`]: Math.round(row.rps),
    "x direct": (row.rps / baseline.rps).toFixed(2),
    "upstream TCP connections": row.upstreamConnections,
    errors: row.errors,
  })),
);
const shared = heapRows.find((row) => row.label === "isolation: shared");
console.log(`Gateway heap per client session that made one call (${HEAP_SESSIONS} sessions)`);
console.table(
  heapRows.map((row) => ({
    upstream: row.label,
    "heap per session (KB)": row.kbPerSession.toFixed(1),
    "x shared": (row.kbPerSession / shared.kbPerSession).toFixed(2),
    [`upstream TCP connections added by ${HEAP_SESSIONS} sessions`]: row.connections,
  })),
);
