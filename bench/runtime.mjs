#!/usr/bin/env node
// Backend runtime figures: cold start (plus the gateway's own share of it), heap per running backend and crash detection, each through
// the gateway's supervisor and through a direct SDK connection to the same server, in one run.
// Usage: npm run build && node bench/runtime.mjs [--samples N] [--backends N]
// Runs only loopback child processes; bounded in count and time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

if (typeof globalThis.gc !== "function") {
  // Heap figures need a GC before each reading: re-run with it exposed.
  const run = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(run.status ?? 1);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => path.join(root, "dist", file);
await import("reflect-metadata");
const { coreTokens } = await import(dist("src/di/tokens.js"));
const { startInProcess } = await import("./_support.mjs");
const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
const { ResultSchema } = await import("@modelcontextprotocol/sdk/types.js");

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const QUICK = process.env.BENCH_QUICK === "1";
const SAMPLES = option("samples", QUICK ? 3 : 10);
const BACKENDS = option("backends", QUICK ? 5 : 50);
const CRASH_ROUNDS = option("crash-rounds", QUICK ? 1 : 5);
const IN_FLIGHT = 100;
const probe = dist("test/fixtures/servers/probe-server.js");

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const heapAfterGc = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const sleepCall = { method: "tools/call", params: { name: "sleep", arguments: { ms: 60_000 } } };

// ---- direct SDK -----------------------------------------------------------------------------
async function directClient() {
  const transport = new StdioClientTransport({ command: process.execPath, args: [probe], stderr: "ignore" });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  return { client, transport };
}

async function directColdStart() {
  const start = performance.now();
  const { client } = await directClient();
  const elapsed = performance.now() - start;
  await client.close();
  return elapsed;
}

async function directHeap() {
  const before = heapAfterGc();
  // Started at once: what is measured is the heap once they run, and their starts are most of the script's time.
  const clients = await Promise.all(Array.from({ length: BACKENDS }, directClient));
  const after = heapAfterGc();
  await Promise.all(clients.map(({ client }) => client.close()));
  return (after - before) / BACKENDS;
}

async function directCrash() {
  const { client, transport } = await directClient();
  const calls = Array.from({ length: IN_FLIGHT }, () =>
    client.request(sleepCall, ResultSchema, { timeout: 120_000 }).catch(() => undefined),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const killed = performance.now();
  process.kill(transport.pid, "SIGKILL");
  await Promise.all(calls);
  const elapsed = performance.now() - killed;
  await client.close();
  return elapsed;
}

// ---- the gateway's own share: the same server in-process, over the SDK's in-memory transport ---------
// Child start-up noise (hundreds of ms, and very noisy on a busy machine) drops out; what remains is
// the supervisor's path (runtime hook, client, handshake, bookkeeping) against a bare SDK connect.
const sdkFile = (file) =>
  pathToFileURL(path.join(root, "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm", file)).href;
const { McpServer } = await import(sdkFile("server/mcp.js"));
const { InMemoryTransport } = await import(sdkFile("inMemory.js"));

function inMemoryServer() {
  const server = new McpServer({ name: "in-memory", version: "0" });
  server.registerTool("echo", {}, async () => ({ content: [{ type: "text", text: "ok" }] }));
  return server;
}

async function directInMemory() {
  const start = performance.now();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await inMemoryServer().connect(serverSide);
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(clientSide);
  const elapsed = performance.now() - start;
  await client.close();
  return elapsed;
}

async function gatewayInMemory(gw) {
  const start = performance.now();
  await gw.supervisor.acquire("mem");
  const elapsed = performance.now() - start;
  await gw.supervisor.capabilities("mem");
  await gw.supervisor.stop("mem");
  return elapsed;
}

const IN_MEMORY_PLUGIN = `
import { InMemoryTransport } from ${JSON.stringify(sdkFile("inMemory.js"))};
import { McpServer } from ${JSON.stringify(sdkFile("server/mcp.js"))};
export default () => ({
  name: "bench-in-memory",
  apply(ctx) {
    ctx.defineRuntime({
      type: "bench-in-memory",
      options: { safeParse: (value) => ({ success: true, data: value }) },
      async create() {
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        return {
          async connect(client, { timeoutMs, signal }) {
            const server = new McpServer({ name: "in-memory", version: "0" });
            server.registerTool("echo", {}, async () => ({ content: [{ type: "text", text: "ok" }] }));
            await server.connect(serverSide);
            await client.connect(clientSide, { timeout: timeoutMs, signal });
          },
          stop: () => clientSide.close(),
        };
      },
    });
  },
});
`;

// ---- through the gateway ----------------------------------------------------------------------
async function gateway(backends) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-"));
  const servers = Array.from({ length: backends }, (_, i) => ({
    id: `p${i}`,
    runtime: { type: "local-process", command: process.execPath, args: [probe] },
  }));
  servers.push({ id: "mem", runtime: { type: "bench-in-memory" } });
  writeFileSync(path.join(dir, "bench-in-memory.mjs"), IN_MEMORY_PLUGIN);
  const kernel = await startInProcess(dir, {
    preset: "none",
    plugins: { "process-runtime": {}, "./bench-in-memory.mjs": {} },
    state_dir: path.join(dir, "state"),
    health_check_interval_seconds: 0,
    idle_timeout_seconds: 0,
    // The crash case kills a backend each round; the next round's start must not wait out a backoff.
    min_uptime_seconds: 0,
    // The crash case needs every call in flight at the backend, not waiting in the gateway's queue.
    max_connections_per_server: IN_FLIGHT,
    servers,
  });
  const supervisor = kernel.container.resolve(coreTokens.supervisor);
  return {
    supervisor,
    async close() {
      await kernel.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function gatewayColdStart(gw) {
  const start = performance.now();
  await gw.supervisor.acquire("p0");
  const elapsed = performance.now() - start;
  await gw.supervisor.capabilities("p0");
  await gw.supervisor.stop("p0");
  return elapsed;
}

async function gatewayHeap() {
  const gw = await gateway(BACKENDS + 1);
  // One backend started and stopped first, so what the start path's code costs once (compiled code) is not counted.
  const warmUp = `p${BACKENDS}`;
  await gw.supervisor.acquire(warmUp);
  await gw.supervisor.capabilities(warmUp);
  await gw.supervisor.stop(warmUp);
  // Capability refreshes run after each start; let them land so their transient objects are not counted.
  for (let i = 0; i < BACKENDS; i++) await gw.supervisor.capabilities(`p${i}`);
  const before = heapAfterGc();
  // Started at once, as in directHeap.
  await Promise.all(
    Array.from({ length: BACKENDS }, async (_, i) => {
      await gw.supervisor.acquire(`p${i}`);
      await gw.supervisor.capabilities(`p${i}`);
    }),
  );
  const after = heapAfterGc();
  await gw.close();
  return (after - before) / BACKENDS;
}

async function gatewayCrash(gw) {
  await gw.supervisor.acquire("p0");
  const calls = Array.from({ length: IN_FLIGHT }, () =>
    gw.supervisor.request("p0", sleepCall, { timeoutMs: 120_000 }).catch(() => undefined),
  );
  while (gw.supervisor.get("p0").in_flight < IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const killed = performance.now();
  process.kill(gw.supervisor.get("p0").pid, "SIGKILL");
  await Promise.all(calls);
  return performance.now() - killed;
}

/** Runs both sides alternately, sample by sample, so machine noise (other work on the box) hits both alike. */
async function paired(rounds, direct, viaGateway) {
  const gw = await gateway(1);
  const a = [];
  const b = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await direct());
    b.push(await viaGateway(gw));
  }
  await gw.close();
  return [median(a), median(b)];
}

// Heap first, while little else has been allocated; one throw-away connection loads the SDK's lazy modules.
/** Runs `step`, then says on stderr how long it took, so a slow step of a run is seen. */
async function timed(name, step) {
  const started = performance.now();
  const result = await step();
  console.error(`${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}
await (await directClient()).client.close();
const heapDirect = await timed("heap per backend, direct", directHeap);
const heapGateway = await timed("heap per backend, gateway", gatewayHeap);
const [coldDirect, coldGateway] = await timed("cold start", () => paired(SAMPLES, directColdStart, gatewayColdStart));
const [memDirect, memGateway] = await timed("in-process start", () =>
  paired(SAMPLES * 4, directInMemory, gatewayInMemory),
);
const [crashDirect, crashGateway] = await timed("crash", () => paired(CRASH_ROUNDS, directCrash, gatewayCrash));

const ms = (value) => `${value.toFixed(1)} ms`;
const kb = (value) => `${(value / 1024).toFixed(1)} KB`;
const delta = (value) => `${value >= 0 ? "+" : "−"}${ms(Math.abs(value))}`;
const rows = [
  [
    "cold start: spawn → initialized (median of " + SAMPLES + ")",
    ms(coldDirect),
    ms(coldGateway),
    (coldGateway / coldDirect).toFixed(2),
    delta(coldGateway - coldDirect),
    "≤ +50 ms",
  ],
  [
    "  gateway's own share: in-process server (median of " + SAMPLES * 4 + ")",
    ms(memDirect),
    ms(memGateway),
    (memGateway / memDirect).toFixed(2),
    delta(memGateway - memDirect),
    "≤ +50 ms",
  ],
  [
    "heap per running backend (after GC, " + BACKENDS + " backends)",
    kb(heapDirect),
    kb(heapGateway),
    (heapGateway / heapDirect).toFixed(2),
    kb(heapGateway),
    "≤ 100 KB",
  ],
  [
    "SIGKILL → " + IN_FLIGHT + " in-flight calls failed (median of " + CRASH_ROUNDS + ")",
    ms(crashDirect),
    ms(crashGateway),
    (crashGateway / crashDirect).toFixed(2),
    ms(crashGateway),
    "≤ 250 ms",
  ],
];
const header = ["measure", "direct SDK", "gateway", "ratio", "gateway figure", "goal"];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
const line = (cells) => cells.map((cell, column) => cell.padEnd(widths[column])).join(" | ");
console.log(line(header));
console.log(widths.map((width) => "-".repeat(width)).join("-|-"));
for (const row of rows) console.log(line(row));
