#!/usr/bin/env node
// Heap held by the gateway per idle MCP session: N Streamable HTTP sessions are opened against
// /mcp and /mcp/:id of an in-process gateway (clients speak raw HTTP, so they hold almost nothing),
// then the heap after a full GC is compared with the heap before; the same for the SDK's own
// Streamable HTTP server (the echo server, in this process too), the figure each ratio is of.
import { spawnSync } from "node:child_process";

if (!global.gc) {
  const result = spawnSync(process.execPath, ["--expose-gc", import.meta.filename, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}

const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
const os = await import("node:os");
const path = await import("node:path");
await import("reflect-metadata");
const { httpFrontendTokens } = await import("../dist/plugins/http-frontend/index.js");
const { ECHO_SERVER, startInProcess } = await import("./_support.mjs");
const { listenHttp } = await import("./_echo-server.mjs");

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? (process.env.BENCH_QUICK === "1" ? 100 : 1000));
const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-heap-"));
const kernel = await startInProcess(dir, {
  listen_addr: "127.0.0.1:0",
  state_dir: path.join(dir, "state"),
  servers: [ECHO_SERVER],
  // Every session stays open: at the default caps (100 per principal) the 101st would close the oldest idle one.
  plugins: { "http-frontend": { max_sessions: 2 * SESSIONS + 10, max_sessions_per_principal: 2 * SESSIONS + 10 } },
});
const gatewayOrigin = `http://127.0.0.1:${kernel.container.resolve(httpFrontendTokens.frontend).address.port}`;
const direct = await listenHttp(0);
const directOrigin = `http://127.0.0.1:${direct.address().port}`;

/** Opens a session at `origin` + `route` (initialize, initialized) and resolves with its id. */
async function open(route, origin = gatewayOrigin) {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "heap", version: "1" } },
  };
  const response = await fetch(`${origin}${route}`, { method: "POST", headers, body: JSON.stringify(init) });
  await response.text();
  const session = response.headers.get("mcp-session-id");
  const done = await fetch(`${origin}${route}`, {
    method: "POST",
    headers: { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await done.text();
  return session;
}

async function close(route, session, origin = gatewayOrigin) {
  const response = await fetch(`${origin}${route}`, {
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
const targets = [
  { endpoint: "direct SDK server", origin: directOrigin, route: "/mcp" },
  { endpoint: "mcpgw /mcp", origin: gatewayOrigin, route: "/mcp" },
  { endpoint: "mcpgw /mcp/echo", origin: gatewayOrigin, route: "/mcp/echo" },
];
const perSession = new Map();
for (const { endpoint, origin, route } of targets) {
  const name = `${endpoint.replace(/\W+/g, "_")}`;
  // Sessions opened and closed first, so what the route's code costs once (its modules, compiled code) is not counted.
  for (let i = 0; i < Math.max(20, SESSIONS / 10); i++) await close(route, await open(route, origin), origin);
  const before = await heap();
  await snapshot(`${name}-before`);
  for (let i = 0; i < SESSIONS; i++) await open(route, origin);
  const after = await heap();
  await snapshot(`${name}-after`);
  perSession.set(endpoint, (after - before) / SESSIONS / 1024);
}
const directKb = perSession.get("direct SDK server");
console.log(`Heap per idle session, ${SESSIONS} sessions (budget 25 KB)`);
console.table(
  [...perSession].map(([endpoint, kb]) => ({
    endpoint,
    "heap per idle session (KB)": kb.toFixed(1),
    "x direct": (kb / directKb).toFixed(2),
  })),
);

// Sessions that come and go must leave nothing behind.
const churn = [];
for (const { endpoint, origin, route } of [targets[0], targets[2]]) {
  const before = await heap();
  const started = performance.now();
  for (let i = 0; i < SESSIONS; i++) await close(route, await open(route, origin), origin);
  const seconds = (performance.now() - started) / 1000;
  churn.push({ endpoint, perSecond: SESSIONS / seconds, kbAfter: ((await heap()) - before) / 1024 });
}
console.log(`${SESSIONS} sessions opened and closed one after another`);
console.table(
  churn.map((row) => ({
    endpoint: row.endpoint,
    "sessions/s": row.perSecond.toFixed(0),
    "x direct": (row.perSecond / churn[0].perSecond).toFixed(2),
    "heap KB higher after": row.kbAfter.toFixed(0),
  })),
);
if (process.env.BENCH_JSON)
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify({
      bench: "session-heap",
      sessions: SESSIONS,
      kbPerIdleSession: Object.fromEntries(perSession),
      churn,
    }),
  );
direct.closeAllConnections();
direct.close();
await kernel.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
