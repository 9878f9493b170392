// Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against a URL.
// The suite needs Node >= 22, so it runs through the `node@22` npm package (see docs in
// /work/shared/reference/conformance.md); nothing is added to the project's own dependencies.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import type { TestContext } from "node:test";
import { repoRoot } from "./files.js";

import { CONFORMANCE_PACKAGE, NODE22_PACKAGE } from "./external.js";

export { CONFORMANCE_PACKAGE };
export const CONFORMANCE_TIMEOUT_MS = 5 * 60_000;

export interface ConformanceOptions {
  /** Run one scenario (e.g. `tools-list`); the output then ends with `Passed: N/M, K failed, W warnings`. */
  scenario?: string;
  /** `active` (the suite's default), `pending`, `all` or `core`; ignored when `scenario` is set. */
  suite?: string;
  /** Extra arguments for `conformance server` (e.g. `["--spec-version", "2025-11-25"]`). */
  extraArgs?: string[];
  /** Overrides the 5-minute limit. */
  timeoutMs?: number;
  /** The suite's package, pinned (`name@version`); CONFORMANCE_PACKAGE unless said. */
  suitePackage?: string;
}

export interface ConformanceResult {
  /** The suite's exit code (0 only if every check passed); null if it was killed. */
  exitCode: number | null;
  /** Parsed from `Total: N passed, M failed` (suite) or `Passed: N/M, K failed` (one scenario). */
  total: { passed: number; failed: number };
  /** Per-scenario lines of the suite summary (`✓|✗ name: N passed, M failed`); empty for a single scenario. */
  scenarios: Array<{ name: string; passed: number; failed: number }>;
  /** stdout and stderr, interleaved in arrival order, with ANSI colour codes removed. */
  output: string;
  /** Wall time of the run in milliseconds. */
  durationMs: number;
}

/** The npx command line, without a shell; exported so that docs and tests print exactly what runs. */
export function conformanceCommand(url: string, options: ConformanceOptions = {}): { command: string; args: string[] } {
  const suite = options.suitePackage ?? CONFORMANCE_PACKAGE;
  const args = ["-y", "-p", NODE22_PACKAGE, "-p", suite, "--", "conformance", "server", "--url", url];
  if (options.scenario) args.push("--scenario", options.scenario);
  else if (options.suite) args.push("--suite", options.suite);
  args.push(...(options.extraArgs ?? []));
  // npx lives next to the running node binary; fall back to PATH lookup.
  const npx = path.join(path.dirname(process.execPath), process.platform === "win32" ? "npx.cmd" : "npx");
  return { command: npx, args };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function parseConformanceOutput(output: string): Pick<ConformanceResult, "total" | "scenarios"> {
  const clean = output.replace(ANSI, "");
  const scenarios: ConformanceResult["scenarios"] = [];
  for (const match of clean.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed/gmu)) {
    scenarios.push({ name: match[1]!, passed: Number(match[2]), failed: Number(match[3]) });
  }
  const total = /^Total: (\d+) passed, (\d+) failed/m.exec(clean);
  if (total) return { total: { passed: Number(total[1]), failed: Number(total[2]) }, scenarios };
  const single = /^Passed: (\d+)\/(\d+), (\d+) failed/m.exec(clean);
  if (single) return { total: { passed: Number(single[1]), failed: Number(single[3]) }, scenarios };
  throw new Error(`no "Total:" or "Passed:" line in the conformance output:\n${clean.slice(-4000)}`);
}

/**
 * Runs `npx -y -p node@22 -p @modelcontextprotocol/conformance@0.1.16 -- conformance server --url URL ...`
 * (another pinned suite with `suitePackage`)
 * as a child process (no shell) and parses its totals. Rejects if no totals line appears (e.g. the npx
 * download failed, or the run was killed after the timeout); the output is in the error message.
 */
export function runConformanceServer(url: string, options: ConformanceOptions = {}): Promise<ConformanceResult> {
  const { command, args } = conformanceCommand(url, options);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      shell: false,
      // Own process group, so that a timeout kills npx together with the Node 22 child it starts.
      detached: process.platform !== "win32",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", npm_config_update_notifier: "false" },
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, options.timeoutMs ?? CONFORMANCE_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (exitCode) => {
      clearTimeout(timer);
      const durationMs = Date.now() - started;
      if (timedOut) {
        reject(new Error(`conformance run timed out after ${durationMs} ms:\n${output.slice(-4000)}`));
        return;
      }
      try {
        const clean = output.replace(ANSI, "");
        resolve({ exitCode, ...parseConformanceOutput(clean), output: clean, durationMs });
      } catch (error) {
        reject(new Error(`conformance exited with ${exitCode}: ${(error as Error).message}`));
      }
    });
  });
}

/** The conformance fixture (test/fixtures/conformance/conformance-server.ts), compiled. */
export const CONFORMANCE_FIXTURE = path.join(
  repoRoot,
  "dist",
  "test",
  "fixtures",
  "conformance",
  "conformance-server.js",
);

/** Starts the fixture in HTTP mode on an ephemeral port; killed when the test ends. */
export async function startHttpFixture(
  t: Pick<TestContext, "after">,
): Promise<{ url: string; port: number; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, [CONFORMANCE_FIXTURE, "--http", "0"], { stdio: ["pipe", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(stderr);
      if (match) {
        child.stderr.off("data", onData);
        resolve(Number(match[1]));
      }
    };
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`fixture exited early (${code ?? signal}): ${stderr}`)));
    child.once("error", reject);
  });
  child.stderr.resume();
  return { url: `http://127.0.0.1:${port}/mcp`, port, child };
}
