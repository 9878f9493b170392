#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --soak MINUTES] [name ...]`: every benchmark script in this folder,
// one after another, their tables on the terminal and everything in bench/results/<time>.json.
// --quick makes each script use small counts and one short round (docs/performance.md: how long); --soak adds the
// soak (soak.mjs), which otherwise does not run; names pick scripts by part of their file name.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const soakIndex = argv.indexOf("--soak");
const soakMinutes = soakIndex === -1 ? undefined : Number(argv[soakIndex + 1]);
if (soakIndex !== -1 && !(soakMinutes > 0)) {
  console.error("--soak needs a number of minutes, e.g. --soak 5");
  process.exit(2);
}
const only = argv.filter((arg, index) => !arg.startsWith("--") && index !== soakIndex + 1);
const scripts = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith(".mjs") && name !== "run.mjs" && !name.startsWith("_"))
  .filter((name) => name !== "soak.mjs" || soakMinutes !== undefined)
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  .sort();

const resultsDir = path.join(import.meta.dirname, "results");
mkdirSync(resultsDir, { recursive: true });
const run = {
  started: new Date().toISOString(),
  quick,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gib: Math.round(os.totalmem() / 2 ** 30) },
  node: process.version,
  load_before: os.loadavg()[0],
  scripts: {},
};

const CLOCK_TICKS = 100; // USER_HZ on Linux
/**
 * CPU seconds of this process's children that have ended (and of their children that they waited for),
 * from /proc: on a shared machine, what a script cost, where its wall time also counts the others' work.
 */
function childrenCpuSeconds() {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return NaN; // not Linux
  }
}

/** Runs one script, its output shown as it comes and kept; a script that writes BENCH_JSON adds its figures. */
function runScript(script) {
  const jsonFile = path.join(os.tmpdir(), `mcpgw-bench-${process.pid}-${script}.json`);
  const started = performance.now();
  const cpuBefore = childrenCpuSeconds();
  const child = spawn(process.execPath, [path.join(import.meta.dirname, script)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      BENCH_JSON: jsonFile,
      ...(quick ? { BENCH_QUICK: "1" } : {}),
      ...(soakMinutes !== undefined ? { BENCH_SOAK_MINUTES: String(soakMinutes) } : {}),
    },
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      let figures;
      try {
        figures = JSON.parse(readFileSync(jsonFile, "utf8"));
        rmSync(jsonFile);
      } catch {
        // the script keeps its figures in its printed table only
      }
      resolve({
        status: code,
        seconds: (performance.now() - started) / 1000,
        cpu_seconds: childrenCpuSeconds() - cpuBefore,
        output,
        figures,
      });
    }),
  );
}

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const result = await runScript(script);
  run.scripts[script] = result;
  if (result.status !== 0) failed += 1;
}
run.finished = new Date().toISOString();
run.seconds = (Date.now() - Date.parse(run.started)) / 1000;
run.cpu_seconds = childrenCpuSeconds();
run.load_after = os.loadavg()[0];
console.log(
  `\n${scripts.length} script(s) in ${run.seconds.toFixed(0)} s wall, ${run.cpu_seconds.toFixed(0)} s CPU ` +
    `(load average ${run.load_before.toFixed(1)} before, ${run.load_after.toFixed(1)} after, ${run.machine.cpus} cores)`,
);
console.table(
  Object.entries(run.scripts).map(([script, result]) => ({
    script,
    status: result.status,
    "wall s": result.seconds.toFixed(1),
    "CPU s": result.cpu_seconds.toFixed(1),
  })),
);
const file = path.join(resultsDir, `${run.started.replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`);
writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
console.log(`\nresults: ${path.relative(process.cwd(), file)}${failed ? ` (${failed} script(s) failed)` : ""}`);
process.exit(failed ? 1 : 0);
