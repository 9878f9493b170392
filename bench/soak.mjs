#!/usr/bin/env node
// The soak (`npm run bench -- --soak MINUTES`, or `node bench/soak.mjs --minutes N`): an in-process
// gateway under half its measured throughput for N minutes, from a worker thread; heap after forced GC,
// RSS and open file descriptors at the start and the end, and failed calls.
import { spawnSync } from "node:child_process";

if (!global.gc) {
  const result = spawnSync(process.execPath, ["--expose-gc", import.meta.filename, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}

const { mkdtempSync, readdirSync, rmSync, writeFileSync } = await import("node:fs");
const os = await import("node:os");
const path = await import("node:path");
const { Worker } = await import("node:worker_threads");
await import("reflect-metadata");
const { httpFrontendTokens } = await import("../dist/plugins/http-frontend/index.js");
const { ECHO_SERVER, startInProcess } = await import("./_support.mjs");

const minutesIndex = process.argv.indexOf("--minutes");
const MINUTES = Number(minutesIndex === -1 ? (process.env.BENCH_SOAK_MINUTES ?? 5) : process.argv[minutesIndex + 1]);
const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-soak-"));
const kernel = await startInProcess(dir, {
  listen_addr: "127.0.0.1:0",
  state_dir: path.join(dir, "state"),
  servers: [ECHO_SERVER],
});
const port = kernel.container.resolve(httpFrontendTokens.frontend).address.port;

const snapshot = async () => {
  for (let i = 0; i < 4; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heap_mb: heapUsed / 2 ** 20, rss_mb: rss / 2 ** 20, fds: readdirSync("/proc/self/fd").length };
};

const worker = new Worker(new URL("./_soak-load.mjs", import.meta.url), {
  workerData: { url: `http://127.0.0.1:${port}/mcp/echo`, minutes: MINUTES },
});
const next = (phase) =>
  new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message) =>
      message.phase === phase ? resolve(message) : reject(new Error(message.phase)),
    );
  });
const { peak } = await next("measured");
const start = await snapshot();
console.error(`soak: ${Math.round(peak.rps / 2)} calls/s for ${MINUTES} min`);
const { soak } = await next("done");
const end = await snapshot();
worker.postMessage("close");
await next("closed");
await worker.terminate();
await kernel.stop();
rmSync(dir, { recursive: true, force: true });

const calls = Math.round(soak.rps * MINUTES * 60);
console.log(`soak: /mcp/echo, 16 sessions at half of ${Math.round(peak.rps)} calls/s for ${MINUTES} min`);
console.table([
  { "": "start", "heap MB (after GC)": start.heap_mb.toFixed(1), "RSS MB": start.rss_mb.toFixed(0), fds: start.fds },
  { "": "end", "heap MB (after GC)": end.heap_mb.toFixed(1), "RSS MB": end.rss_mb.toFixed(0), fds: end.fds },
]);
console.log(
  `calls ${calls}, errors ${soak.errors}, p50 ${soak.p50.toFixed(2)} ms, p99 ${soak.p99.toFixed(2)} ms, heap growth ${(end.heap_mb - start.heap_mb).toFixed(1)} MB`,
);
if (process.env.BENCH_JSON)
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ bench: "soak", minutes: MINUTES, peak, soak, start, end }));
process.exit(0);
