#!/usr/bin/env node
// What the stats plugin and the per-request log line cost: /mcp/echo driven by the raw generator
// through two gateways in one run, one with both (the default bundle at log level info: a JSON line
// per request, written to a log file as a collector would read it) and one without (stats: false,
// log level warn). Each round measures both, back to back in alternating order, so the machine's
// drift hits both; the cost is the median over rounds of each round's on/off throughput ratio. The
// gateway's own CPU time per call (/proc: the whole process, and its main thread alone, where the
// event loop runs) says where a difference comes from, and stays steadier than throughput when
// something else runs on the machine.
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

/** User plus system CPU time in ms, of a process (`/proc/<pid>/stat`) or one of its threads. */
function cpuMs(statFile) {
  const fields = readFileSync(statFile, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

const processCpu = (pid) => cpuMs(`/proc/${pid}/stat`);
const mainThreadCpu = (pid) => cpuMs(`/proc/${pid}/task/${pid}/stat`);

async function measure(target) {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openStreamable(target.url)));
  try {
    await drive(sessions, "echo", { seconds: QUICK ? 0.5 : 1, warmupSeconds: 0 });
    const before = { all: processCpu(target.pid), main: mainThreadCpu(target.pid) };
    const result = await drive(sessions, "echo", { seconds: SECONDS, warmupSeconds: 0 });
    const calls = result.rps * SECONDS;
    const cpuPerCall = ((processCpu(target.pid) - before.all) * 1000) / calls;
    const mainPerCall = ((mainThreadCpu(target.pid) - before.main) * 1000) / calls;
    if (result.errors) throw new Error(`${target.name}: ${result.errors} calls failed`);
    return { rps: result.rps, cpuPerCall, mainPerCall };
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

const describe = (figures) =>
  `${figures.rps.toFixed(0)} calls/s, ${figures.cpuPerCall.toFixed(0)} µs CPU per call (main thread ${figures.mainPerCall.toFixed(0)})`;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const on = await startGateway("on", { log_level: "info" });
const off = await startGateway("off", { log_level: "warn", plugins: { stats: false } });
try {
  const rounds = { on: [], off: [] };
  const ratios = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    const order = round % 2 ? ["on", "off"] : ["off", "on"];
    const figures = {};
    for (const name of order) {
      figures[name] = await measure(name === "on" ? on : off);
      rounds[name].push(figures[name]);
    }
    ratios.push(figures.on.rps / figures.off.rps);
    console.log(
      `round ${round}: on ${describe(figures.on)}; off ${describe(figures.off)}; on/off ${ratios.at(-1).toFixed(3)}`,
    );
  }
  const cpu = (name, field) => median(rounds[name].map((figures) => figures[field]));
  const more = (field) => {
    const percent = (cpu("on", field) / cpu("off", field) - 1) * 100;
    return `${percent >= 0 ? "+" : ""}${percent.toFixed(1)}%`;
  };
  const lines = readFileSync(path.join(dir, "on.log"), "utf8")
    .split("\n")
    .filter((line) => line.includes('"mcp_request"')).length;
  const ratio = median(ratios);
  console.log(
    `stats + request log: median on/off throughput ${ratio.toFixed(3)} over ${ROUNDS} rounds ` +
      `(rounds ${Math.min(...ratios).toFixed(3)} to ${Math.max(...ratios).toFixed(3)}), ${lines} request lines logged`,
  );
  console.log(
    `cost: ${((1 - ratio) * 100).toFixed(1)}% of /mcp/:id throughput; gateway CPU per call ` +
      `${cpu("on", "cpuPerCall").toFixed(0)} vs ${cpu("off", "cpuPerCall").toFixed(0)} µs (${more("cpuPerCall")}), ` +
      `main thread ${cpu("on", "mainPerCall").toFixed(0)} vs ${cpu("off", "mainPerCall").toFixed(0)} µs (${more("mainPerCall")})`,
  );
} finally {
  await Promise.all([on.stop(), off.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
