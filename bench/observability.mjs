#!/usr/bin/env node
// What the stats plugin and the per-request log line cost: /mcp/echo throughput of two gateways in
// one run, one with both (the default bundle at log level info: a JSON line per request on stderr)
// and one without (stats: false, log level warn). Rounds alternate between the two so that the
// machine's drift hits both; the figure is the ratio of their best rounds.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECHO_SERVER, QUICK, call, connect, startGatewayProcess } from "./_support.mjs";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 16);
const CALLS_PER_SESSION = Number(process.env.BENCH_CALLS ?? (QUICK ? 60 : 200));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-obs-"));

// MCPGW_LOG_FORMAT: JSON lines, as a log collector reads them (not pino-pretty, whatever stderr is).
const startGateway = (name, settings) =>
  startGatewayProcess({
    name,
    dir,
    settings: { state_dir: path.join(dir, `state-${name}`), servers: [ECHO_SERVER], ...settings },
    env: { MCPGW_LOG_FORMAT: "json", LOG_LEVEL: "" },
  });

async function throughput(url) {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(url)));
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < 20; i++) await call(client, i);
    }),
  );
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < CALLS_PER_SESSION; i++) await call(client, i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(clients.map((client) => client.transport.terminateSession().then(() => client.close())));
  return (SESSIONS * CALLS_PER_SESSION) / seconds;
}

const on = await startGateway("on", { log_level: "info" });
const off = await startGateway("off", { log_level: "warn", plugins: { stats: false } });
try {
  const best = { on: 0, off: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    const order =
      round % 2
        ? [
            ["on", on],
            ["off", off],
          ]
        : [
            ["off", off],
            ["on", on],
          ];
    for (const [name, target] of order) {
      const rps = await throughput(target.url);
      best[name] = Math.max(best[name], rps);
      console.log(`round ${round} ${name.padEnd(3)} ${rps.toFixed(0)} calls/s`);
    }
  }
  console.log(`stats + request log on: ${best.on.toFixed(0)} calls/s; off: ${best.off.toFixed(0)} calls/s`);
  console.log(
    `cost: ${((1 - best.on / best.off) * 100).toFixed(1)}% of /mcp/:id throughput (on/off = ${(best.on / best.off).toFixed(3)})`,
  );
} finally {
  await Promise.all([on.stop(), off.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
