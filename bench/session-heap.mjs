#!/usr/bin/env node
// Heap held by the gateway per idle MCP session: N Streamable HTTP sessions are opened against
// /mcp and /mcp/:id of an in-process gateway (clients speak raw HTTP, so they hold almost nothing),
// then the heap after a full GC is compared with the heap before.
import { spawnSync } from "node:child_process";

if (!global.gc) {
  const result = spawnSync(process.execPath, ["--expose-gc", import.meta.filename, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}

const { mkdtempSync, rmSync } = await import("node:fs");
const os = await import("node:os");
const path = await import("node:path");
await import("reflect-metadata");
const { httpFrontendTokens } = await import("../dist/plugins/http-frontend/index.js");
const { ECHO_SERVER, startInProcess } = await import("./_support.mjs");

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? (process.env.BENCH_QUICK === "1" ? 100 : 1000));
const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-heap-"));
const kernel = await startInProcess(dir, {
  listen_addr: "127.0.0.1:0",
  state_dir: path.join(dir, "state"),
  servers: [ECHO_SERVER],
  // Every session stays open: at the default caps (100 per principal) the 101st would close the oldest idle one.
  plugins: { "http-frontend": { max_sessions: 2 * SESSIONS + 10, max_sessions_per_principal: 2 * SESSIONS + 10 } },
});
const port = kernel.container.resolve(httpFrontendTokens.frontend).address.port;

async function open(route) {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "heap", version: "1" } },
  };
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: "POST",
    headers,
    body: JSON.stringify(init),
  });
  await response.text();
  const session = response.headers.get("mcp-session-id");
  const done = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: "POST",
    headers: { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await done.text();
  return session;
}

async function close(route, session) {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: "DELETE",
    headers: { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
  });
  await response.text();
}

const heap = async () => {
  for (let i = 0; i < 4; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

/** `BENCH_HEAP_SNAPSHOTS=<dir>`: a heap snapshot before and after each route's sessions, to compare with `_heap-diff.mjs`. */
const snapshot = async (name) => {
  if (!process.env.BENCH_HEAP_SNAPSHOTS) return;
  const v8 = await import("node:v8");
  v8.writeHeapSnapshot(path.join(process.env.BENCH_HEAP_SNAPSHOTS, `${name}.heapsnapshot`));
  // Writing blocked the loop for seconds: keep-alive sockets that timed out meanwhile close now, before the client reuses one.
  await new Promise((resolve) => setTimeout(resolve, 200));
};

await open("/mcp/echo"); // the first session starts the backend; not counted
const rows = [];
for (const route of ["/mcp", "/mcp/echo"]) {
  // Sessions opened and closed first, so what the route's code costs once (its modules, compiled code) is not counted.
  for (let i = 0; i < Math.max(20, SESSIONS / 10); i++) await close(route, await open(route));
  const before = await heap();
  await snapshot(`${route.replaceAll("/", "_")}-before`);
  for (let i = 0; i < SESSIONS; i++) await open(route);
  const after = await heap();
  await snapshot(`${route.replaceAll("/", "_")}-after`);
  rows.push({
    endpoint: route,
    sessions: SESSIONS,
    "heap per idle session (KB)": ((after - before) / SESSIONS / 1024).toFixed(1),
  });
}
console.log("Heap per idle session (budget 25 KB)");
console.table(rows);

// Sessions that come and go must leave nothing behind.
const before = await heap();
const started = performance.now();
for (let i = 0; i < SESSIONS; i++) await close("/mcp/echo", await open("/mcp/echo"));
const seconds = (performance.now() - started) / 1000;
const after = await heap();
console.log(
  `${SESSIONS} sessions opened and closed one after another: ${(SESSIONS / seconds).toFixed(0)} per second, heap ${((after - before) / 1024).toFixed(0)} KB higher after`,
);
await kernel.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
