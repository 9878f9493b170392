#!/usr/bin/env node
// Cold start of a docker backend (mcpgw-plugin-docker) against the same MCP server as a local process:
// the fixture server of the plugin's tests, run by the same node binary, in a container of the test
// image (node plus the libraries it links) or as a child process. Each sample is a first tools/call on a
// stopped server through the gateway's supervisor (create, attach, start, initialize, call), then a stop.
// Usage: npm run build && node bench/docker.mjs [--samples N]
// Uses the tests' private Docker Engine (started here when no test run holds it, stopped at the end).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => path.join(root, "dist", file);
await import("reflect-metadata");
const { coreTokens } = await import(dist("src/di/tokens.js"));
const { startInProcess } = await import("./_support.mjs");
const { testEngine, FIXTURE } = await import(dist("packages/mcpgw-plugin-docker/test/helpers/engine.js"));
const PLUGIN = dist("packages/mcpgw-plugin-docker/src/index.js");

const index = process.argv.indexOf("--samples");
const SAMPLES = index === -1 ? (process.env.BENCH_QUICK === "1" ? 1 : 10) : Number(process.argv[index + 1]);
const call = { method: "tools/call", params: { name: "echo", arguments: { text: "cold" } } };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const cleanups = [];
const engine = await testEngine({ after: (fn) => cleanups.push(fn) });
const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-docker-"));
try {
  const kernel = await startInProcess(dir, {
    preset: "none",
    plugins: { "process-runtime": {}, [PLUGIN]: { host: engine.host } },
    state_dir: path.join(dir, "state"),
    health_check_interval_seconds: 0,
    idle_timeout_seconds: 0,
    servers: [
      { id: "local", runtime: { type: "local-process", command: process.execPath, args: [FIXTURE] } },
      { id: "container", runtime: { type: "docker", image: engine.image, pull: "never" } },
    ],
  });
  const supervisor = kernel.container.resolve(coreTokens.supervisor);
  const coldStart = async (id) => {
    const start = performance.now();
    await supervisor.request(id, call);
    const elapsed = performance.now() - start;
    const stopStart = performance.now();
    await supervisor.stop(id);
    return { start: elapsed, stop: performance.now() - stopStart };
  };
  // One of each first: page cache, the image's first container copy (vfs), the SDK's lazy imports.
  await coldStart("local");
  await coldStart("container");
  const samples = { local: [], container: [] };
  for (let i = 0; i < SAMPLES; i++) for (const id of ["local", "container"]) samples[id].push(await coldStart(id));
  await kernel.stop();
  const row = (id) => ({
    cold_start_ms: Math.round(median(samples[id].map((each) => each.start))),
    stop_ms: Math.round(median(samples[id].map((each) => each.stop))),
  });
  const local = row("local");
  const container = row("container");
  console.log(`samples: ${SAMPLES} each, medians`);
  console.log(`local process: cold start ${local.cold_start_ms} ms, stop ${local.stop_ms} ms`);
  console.log(`container:     cold start ${container.cold_start_ms} ms, stop ${container.stop_ms} ms`);
  console.log(
    `container / local cold start: ${(container.cold_start_ms / local.cold_start_ms).toFixed(1)}x (+${container.cold_start_ms - local.cold_start_ms} ms)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  for (const fn of cleanups.reverse()) await fn();
}
