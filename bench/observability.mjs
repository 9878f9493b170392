#!/usr/bin/env node
// What the stats plugin and the per-request log line cost: /mcp/echo driven by the raw generator
// through gateways with both (the default bundle at log level info: a JSON line per request,
// written to a log file as a collector would read it) and gateways without (stats: false, log
// level warn), in one run. Two gateway processes of the same config differ by several percent
// between themselves (which backend process, memory layout, JIT decisions: measured, see the A/A
// line), more than the cost being measured; so each side runs on several gateways, every round
// measures all of them back to back in alternating order, and a round's ratio is the mean of the
// "on" gateways over the mean of the "off" ones. The cost is the median of those ratios. The
// gateways' own CPU time per call (/proc: the whole process, and its main thread, where the event
// loop runs) says where a difference comes from.
//
// On two or more cores every gateway is pinned to core 0 and everything else it needs (its backend,
// this load generator) to core 1 (BENCH_PIN=0 turns it off): unpinned, the scheduler puts the
// gateway, its backend and the generator on 2 cores differently from one gateway to the next, and
// identical gateways differed by up to 33%. Pinned, a gateway has a core of its own and its
// throughput follows its own CPU per call, which is what the two sides differ in.
//
// Throughput still swings from round to round with what else the host runs, by more than the cost.
// So one more "on" gateway runs a round under V8's CPU profiler, and the share of its busy time spent
// in the stats plugin and in request logging (the functions they call included, the batched writes
// too) is the cost as the gateway itself sees it: both sides of that ratio come from one process in
// one window, so the machine's load cancels out.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECHO_SERVER, QUICK, startGatewayProcess } from "./_support.mjs";
import { drive, openStreamable } from "./_load.mjs";
import { profileClock, readProfile, timeShare } from "./_cpuProfile.mjs";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 5));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 6));
const PER_SIDE = Number(process.env.BENCH_GATEWAYS_PER_SIDE ?? (QUICK ? 1 : 3));
const CLOCK_TICKS = 100; // USER_HZ on Linux
const PIN = process.env.BENCH_PIN !== "0" && os.availableParallelism() >= 2;

const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-obs-"));

// MCPGW_LOG_FORMAT: JSON lines, as a log collector reads them (not pino-pretty, whatever stderr is).
const startGateway = (name, settings, nodeArgs) =>
  startGatewayProcess({
    name,
    dir,
    nodeArgs,
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
    const from = profileClock();
    const result = await drive(sessions, "echo", { seconds: SECONDS, warmupSeconds: 0 });
    const to = profileClock();
    const calls = result.rps * SECONDS;
    const cpuPerCall = ((processCpu(target.pid) - before.all) * 1000) / calls;
    const mainPerCall = ((mainThreadCpu(target.pid) - before.main) * 1000) / calls;
    if (result.errors) throw new Error(`${target.name}: ${result.errors} calls failed`);
    return { rps: result.rps, cpuPerCall, mainPerCall, window: { from, to } };
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

const describe = (figures) =>
  `${figures.rps.toFixed(0)} calls/s, ${figures.cpuPerCall.toFixed(0)} µs CPU per call (main thread ${figures.mainPerCall.toFixed(0)})`;

/** Pins a process and all its threads to one core (`taskset`, util-linux). */
const pin = (pid, core) => execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });

const children = (pid) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);

/** Pins a gateway to core 0 and its backends to core 1 (this process is pinned there already). */
function pinGateway(pid) {
  pin(pid, 0);
  for (const backend of children(pid)) pin(backend, 1);
}

/**
 * A frame of the stats plugin (its own chunk of the bundle) or of request logging: the line made
 * and handed to the logger, and the batched write of the lines (on a timer, outside any request).
 */
const observability = ({ url, functionName }) =>
  /\/stats-\w+\.js$/.test(url) || functionName === "logRequest" || functionName === "#writePending";

/** One round on an "on" gateway under the CPU profiler; the share of its busy time observability took. */
async function profiledShare() {
  const profiles = path.join(dir, "profile");
  const target = await startGateway("on-profiled", SIDES.on, ["--cpu-prof", `--cpu-prof-dir=${profiles}`]);
  let window;
  try {
    await measure(target);
    if (PIN) pinGateway(target.pid);
    ({ window } = await measure(target));
  } finally {
    // The profile is written as the process exits.
    await target.stop();
  }
  return timeShare(readProfile(profiles), observability, window);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const percent = (ratio) => `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%`;

const SIDES = { on: { log_level: "info" }, off: { log_level: "warn", plugins: { stats: false } } };
const gateways = await Promise.all(
  Array.from({ length: PER_SIDE }, (_, index) =>
    Object.entries(SIDES).map(async ([side, settings]) => ({
      side,
      name: `${side}${index + 1}`,
      target: await startGateway(`${side}${index + 1}`, settings),
      figures: [],
    })),
  ).flat(),
);
try {
  // A round that does not count: until V8 has optimized a gateway's hot paths, the first rounds
  // measure the compiler as much as the gateway.
  for (const gateway of gateways) await measure(gateway.target);
  if (PIN) {
    // After the warm-up round: by then each gateway has started its backend.
    pin(process.pid, 1);
    for (const { target } of gateways) pinGateway(target.pid);
  }
  const ratios = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order, so no gateway always runs on a warmer (or busier) machine.
    const order = round % 2 ? gateways : [...gateways].reverse();
    for (const gateway of order) gateway.figures.push(await measure(gateway.target));
    const rps = (side) => mean(gateways.filter((g) => g.side === side).map((g) => g.figures.at(-1).rps));
    ratios.push(rps("on") / rps("off"));
    console.log(
      `round ${round}: ${gateways.map((g) => `${g.name} ${describe(g.figures.at(-1))}`).join("; ")}; on/off ${ratios.at(-1).toFixed(3)}`,
    );
  }
  const all = (side, field) =>
    median(gateways.filter((g) => g.side === side).flatMap((g) => g.figures.map((figures) => figures[field])));
  // A/A: identical gateways against each other, the noise floor of this measurement.
  const spread = (side) => {
    const medians = gateways.filter((g) => g.side === side).map((g) => median(g.figures.map((f) => f.rps)));
    return Math.max(...medians) / Math.min(...medians);
  };
  const lines = gateways
    .filter((g) => g.side === "on")
    .map(
      (g) =>
        readFileSync(path.join(dir, `${g.name}.log`), "utf8")
          .split("\n")
          .filter((line) => line.includes('"mcp_request"')).length,
    )
    .reduce((sum, count) => sum + count, 0);
  const ratio = median(ratios);
  console.log(
    `stats + request log: median on/off throughput ${ratio.toFixed(3)} over ${ROUNDS} rounds of ${PER_SIDE} gateways a side${PIN ? " (gateways on core 0, backends and generator on core 1)" : ""} ` +
      `(rounds ${Math.min(...ratios).toFixed(3)} to ${Math.max(...ratios).toFixed(3)}), ${lines} request lines logged`,
  );
  console.log(
    `median calls/s per gateway: ${gateways.map((g) => `${g.name} ${median(g.figures.map((f) => f.rps)).toFixed(0)}`).join(", ")}`,
  );
  if (PER_SIDE > 1)
    console.log(
      `A/A: identical gateways' median throughputs differ by up to ${percent(spread("on"))} (on) and ${percent(spread("off"))} (off)`,
    );
  console.log(
    `cost: ${((1 - ratio) * 100).toFixed(1)}% of /mcp/:id throughput; gateway CPU per call ` +
      `${all("on", "cpuPerCall").toFixed(0)} vs ${all("off", "cpuPerCall").toFixed(0)} µs (${percent(all("on", "cpuPerCall") / all("off", "cpuPerCall"))}), ` +
      `main thread ${all("on", "mainPerCall").toFixed(0)} vs ${all("off", "mainPerCall").toFixed(0)} µs (${percent(all("on", "mainPerCall") / all("off", "mainPerCall"))})`,
  );
  const share = await profiledShare();
  const percentOf = (ms) => `${((ms / share.busyMs) * 100).toFixed(1)}%`;
  console.log(
    `profile of an "on" gateway over one round: stats + request log ${percentOf(share.pickedMs)} of its busy CPU ` +
      `(${share.pickedMs.toFixed(0)} of ${share.busyMs.toFixed(0)} ms); garbage collection, which no function owns, ${percentOf(share.gcMs)}`,
  );
} finally {
  await Promise.all(gateways.map((gateway) => gateway.target.stop()));
  rmSync(dir, { recursive: true, force: true });
}
