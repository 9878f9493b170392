#!/usr/bin/env node
// The cost of the cluster's hop: tools/call throughput of sessions driven through the replica that
// owns them vs through another replica, which relays each request to the owner (one extra HTTP
// exchange on loopback). Two `mcpgw serve` processes in cluster mode, the bench echo server as a
// shared stdio backend; N sessions call concurrently, each one call at a time, in alternating rounds
// (owner, hop, owner, hop, ...) so that the machine's drift hits both alike. The relaying replica's
// mcpgw_cluster_forwarded_total must count every relayed call: the hop is measured, not assumed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { call, connect, ECHO_SERVER, QUICK, startAll, startGatewayProcess } from "./_support.mjs";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 8);
const CALLS_PER_SESSION = Number(process.env.BENCH_CALLS ?? (QUICK ? 20 : 300));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const SECRET = "bench-cluster-secret-0123456789abcdef";

function startReplica(dir, name) {
  return startGatewayProcess({
    name,
    dir,
    settings: (port) => ({
      state_dir: path.join(dir, `${name}-state`),
      log_level: "warn",
      cluster: { node_id: name, advertise_url: `http://127.0.0.1:${port}`, session_secret: SECRET },
      servers: [ECHO_SERVER],
    }),
  });
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
  return { calls_per_s: latencies.length / seconds, p50_ms: latencies[latencies.length >> 1] };
}

async function forwarded(url) {
  const text = await (await fetch(new URL("/metrics", url))).text();
  return Number(/^mcpgw_cluster_forwarded_total (\d+)$/m.exec(text)[1]);
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-cluster-"));
const [owner, other] = await startAll([startReplica(dir, "owner"), startReplica(dir, "other")]);
try {
  const direct = [];
  for (let i = 0; i < SESSIONS; i += 1) direct.push(await connect(owner.url));
  // The same sessions, driven through the other replica.
  const relayed = await Promise.all(direct.map((c) => connect(other.url, c.transport.sessionId)));
  await drive(direct.slice(0, 2)); // warm-up: the backend is started, JIT warm
  await drive(relayed.slice(0, 2));
  const before = await forwarded(other.url);
  const runs = { owner: [], hop: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    runs.owner.push(await drive(direct));
    runs.hop.push(await drive(relayed));
  }
  const hops = (await forwarded(other.url)) - before;
  if (hops !== ROUNDS * SESSIONS * CALLS_PER_SESSION)
    throw new Error(`the relaying replica counted ${hops} forwarded requests, not one per relayed call`);
  const summary = (list) => ({
    calls_per_s: Math.round(median(list.map((run) => run.calls_per_s))),
    p50_ms: Number(median(list.map((run) => run.p50_ms)).toFixed(2)),
  });
  const results = { "through the owner": summary(runs.owner), "through another replica (hop)": summary(runs.hop) };
  const ratio = results["through another replica (hop)"].calls_per_s / results["through the owner"].calls_per_s;
  console.log(
    `${SESSIONS} sessions x ${CALLS_PER_SESSION} tools/call, ${ROUNDS} alternating round(s), medians; 2 replicas on loopback (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
  );
  console.table(results);
  console.log(
    `hop throughput ratio: ${ratio.toFixed(2)} (${hops} relayed calls counted by mcpgw_cluster_forwarded_total)`,
  );
  if (process.env.BENCH_JSON)
    writeFileSync(
      process.env.BENCH_JSON,
      JSON.stringify({
        bench: "cluster-hop",
        sessions: SESSIONS,
        calls: CALLS_PER_SESSION,
        rounds: ROUNDS,
        results,
        ratio,
      }),
    );
  await Promise.all([...direct, ...relayed].map((c) => c.close()));
} finally {
  await Promise.all([owner.stop(), other.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
