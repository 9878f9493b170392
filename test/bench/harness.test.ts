import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers/files.js";

interface ThroughputRow {
  target: string;
  figures: Record<string, { rps: number; p50: number; p99: number }>;
  errors: number;
}

// Not a benchmark: a smoke run that proves the raw generator reaches every front of the gateway
// (Streamable HTTP per server and aggregated, legacy SSE, a remote backend) and counts answers.
test("bench harness: throughput.mjs drives every front with prepared sessions and gets only results back", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-bench-smoke-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, "throughput.json");
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, "bench", "throughput.mjs"),
      // Quick mode's short warm-ups: the smoke run checks the harness, not the figures.
      "--quick",
      "--no-peers",
      "--rounds",
      "1",
      "--seconds",
      "0.3",
      "--concurrency",
      "1,3",
      "--json",
      json,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, output);
  const { rows } = JSON.parse(readFileSync(json, "utf8")) as { rows: ThroughputRow[] };
  assert.deepEqual(
    rows.map((row) => row.target),
    [
      "bare node:http (generator limit)",
      "direct SDK server",
      "mcpgw /mcp/:id -> stdio",
      "mcpgw /mcp aggregated -> stdio",
      "mcpgw /sse/:id -> stdio",
      "mcpgw /mcp/:id -> Streamable HTTP",
    ],
  );
  for (const row of rows) {
    assert.equal(row.errors, 0, `${row.target} had failed calls`);
    for (const n of ["1", "3"]) assert.ok(row.figures[n].rps > 0, `${row.target} @${n} answered nothing`);
  }
  assert.match(output, /x direct @3/);
  assert.match(output, /generator limit @3: \d+ req\/s, [\d.]+x the fastest target/);
});
