#!/usr/bin/env node
// What the stats plugin and the per-request log line cost: /mcp/echo driven by the raw generator
// through two gateways in one run, one with both (the default bundle at log level info: a JSON line
// per request, written to a log file as a collector would read it) and one without (stats: false,
// log level warn). Rounds alternate between the two so that the machine's drift hits both. Two
// figures: throughput (best rounds) and the gateway's own CPU time per call (/proc, median rounds),
// which stays steady where throughput swings with whatever else the machine runs.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECHO_SERVER, QUICK, startGatewayProcess } from "./_support.mjs";
import { drive, openStreamable } from "./_load.mjs";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 5));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 6));
const CLOCK_TICKS = 100; // USER_HZ on Linux

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-obs-"));

// MCPGW_LOG_FORMAT: JSON lines, as a log collector reads them (not pino-pretty, whatever stderr is).
const startGateway = (name, settings) =>
  startGatewayProcess({
    name,
    dir,
    settings: { state_dir: path.join(dir, `state-${name}`), servers: [ECHO_SERVER], ...settings },
    env: { MCPGW_LOG_FORMAT: "json", LOG_LEVEL: "" },
    logFile: path.join(dir, `${name}.log`),
  });

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

async function measure(target) {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openStreamable(target.url)));
  try {
    await drive(sessions, "echo", { seconds: QUICK ? 0.5 : 1, warmupSeconds: 0 });
    const before = cpuMs(target.pid);
    const result = await drive(sessions, "echo", { seconds: SECONDS, warmupSeconds: 0 });
    const cpuPerCall = ((cpuMs(target.pid) - before) * 1000) / (result.rps * SECONDS);
    if (result.errors) throw new Error(`${target.name}: ${result.errors} calls failed`);
    return { rps: result.rps, cpuPerCall };
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const on = await startGateway("on", { log_level: "info" });
const off = await startGateway("off", { log_level: "warn", plugins: { stats: false } });
try {
  const rounds = { on: [], off: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    for (const [name, target] of round % 2
      ? [
          ["on", on],
          ["off", off],
        ]
      : [
          ["off", off],
          ["on", on],
        ]) {
      const figures = await measure(target);
      rounds[name].push(figures);
      console.log(
        `round ${round} ${name.padEnd(3)} ${figures.rps.toFixed(0)} calls/s, ${figures.cpuPerCall.toFixed(0)} µs gateway CPU per call`,
      );
    }
  }
  const best = (name) => Math.max(...rounds[name].map((figures) => figures.rps));
  const cpu = (name) => median(rounds[name].map((figures) => figures.cpuPerCall));
  const lines = readFileSync(path.join(dir, "on.log"), "utf8")
    .split("\n")
    .filter((line) => line.includes('"mcp_request"')).length;
  console.log(
    `stats + request log on: ${best("on").toFixed(0)} calls/s; off: ${best("off").toFixed(0)} calls/s (${lines} request lines logged)`,
  );
  console.log(
    `cost: ${((1 - best("on") / best("off")) * 100).toFixed(1)}% of /mcp/:id throughput (on/off = ${(best("on") / best("off")).toFixed(3)}); ` +
      `gateway CPU per call ${cpu("on").toFixed(0)} vs ${cpu("off").toFixed(0)} µs (+${((cpu("on") / cpu("off") - 1) * 100).toFixed(1)}%)`,
  );
} finally {
  await Promise.all([on.stop(), off.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
