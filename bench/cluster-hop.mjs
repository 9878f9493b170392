#!/usr/bin/env node
// The cost of the cluster's hop: tools/call throughput of sessions driven through the replica that
// owns them vs through another replica, which relays each request to the owner (one extra HTTP
// exchange on loopback). Two `mcpgw serve` processes in cluster mode, the bench echo server as a
// shared stdio backend; N sessions call concurrently, each one call at a time.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { call, freePort, startAll, stopGroup } from "./_support.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const ECHO = path.join(import.meta.dirname, "_echo-server.mjs");
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 8);
const CALLS_PER_SESSION = Number(process.env.BENCH_CALLS ?? (process.env.BENCH_QUICK === "1" ? 60 : 300));
const SECRET = "bench-cluster-secret-0123456789abcdef";

async function startReplica(dir, name) {
  const port = await freePort();
  const config = path.join(dir, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      listen_addr: `127.0.0.1:${port}`,
      state_dir: path.join(dir, `${name}-state`),
      log_level: "warn",
      cluster: { node_id: name, advertise_url: `http://127.0.0.1:${port}`, session_secret: SECRET },
      servers: [{ id: "echo", runtime: { type: "local-process", command: process.execPath, args: [ECHO] } }],
    }),
  );
  const child = spawn(process.execPath, [path.join(ROOT, "dist/bundle/gateway-http.js"), "--config", config], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    if (
      await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (attempt > 200) throw new Error(`${name} did not listen: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { base: `http://127.0.0.1:${port}`, stop: () => stopGroup(child) };
}

async function client(url, sessionId) {
  const client = new Client({ name: "bench", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), sessionId ? { sessionId } : {});
  await client.connect(transport);
  return client;
}

/** Calls per second of `clients`, each making its calls one after another, all at once; and the median call. */
async function drive(clients) {
  const latencies = [];
  const started = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < CALLS_PER_SESSION; i += 1) {
        const t0 = performance.now();
        await call(c, i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls_per_s: Math.round(latencies.length / seconds),
    p50_ms: Number(latencies[latencies.length >> 1].toFixed(2)),
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-cluster-"));
const [owner, other] = await startAll([startReplica(dir, "owner"), startReplica(dir, "other")]);
try {
  const direct = [];
  for (let i = 0; i < SESSIONS; i += 1) direct.push(await client(`${owner.base}/mcp/echo`));
  // The same sessions, driven through the other replica: the SDK client skips initialize for a known id.
  const relayed = await Promise.all(direct.map((c) => client(`${other.base}/mcp/echo`, c.transport.sessionId)));
  await drive(direct.slice(0, 2)); // warm-up: the backend is started, JIT warm
  const results = { "through the owner": await drive(direct), "through another replica (hop)": await drive(relayed) };
  const ratio = results["through another replica (hop)"].calls_per_s / results["through the owner"].calls_per_s;
  console.log(
    `${SESSIONS} sessions x ${CALLS_PER_SESSION} tools/call, 2 replicas on loopback (${os.cpus().length} cores)`,
  );
  console.table(results);
  console.log(`hop throughput ratio: ${ratio.toFixed(2)}`);
  await Promise.all([...direct, ...relayed].map((c) => c.close()));
} finally {
  await Promise.all([owner.stop(), other.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
