import "reflect-metadata";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { coreTokens } from "../../src/di/tokens.js";
import type { ServerStatus, ServerStateChange } from "../../src/kernel/hooks.js";
import type { Kernel } from "../../src/kernel/Kernel.js";
import { loadGateway } from "../../src/gateway/loadGateway.js";
import type { Supervisor } from "../../src/supervisor/Supervisor.js";
import { repoRoot, writeFiles } from "../helpers/files.js";
import { captureLogs, type CapturedLogs } from "../helpers/logs.js";

interface TestContext {
  after(fn: () => unknown): void;
}

/** The compiled fault fixture `name` (test/fixtures/servers/<name>.ts). */
export function fixture(name: string): string {
  return path.join(repoRoot, "dist", "test", "fixtures", "servers", `${name}.js`);
}

export function binOf(name: string): string {
  return path.join(repoRoot, "node_modules", ".bin", name);
}

/** A server entry that runs a fixture with this Node. */
export function fixtureServer(id: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { env, ...rest } = extra as { env?: Record<string, string> };
  return {
    id,
    runtime: { type: "local-process", command: process.execPath, args: [fixture(name)] },
    env: env ?? {},
    ...rest,
  };
}

export interface Gateway {
  readonly kernel: Kernel;
  readonly supervisor: Supervisor;
  readonly logs: CapturedLogs;
  readonly dir: string;
  readonly changes: ServerStateChange[];
}

/**
 * Loads and starts a kernel with only the two runtime plugins, from a config written to a temp
 * folder; stopped (and the folder removed) when the test ends.
 */
export async function startGateway(t: TestContext, config: Record<string, unknown>, given?: string): Promise<Gateway> {
  const dir = given ?? realpathSync(mkdtempSync(path.join(os.tmpdir(), "mcpgw-sup-")));
  writeFiles(dir, {
    "mcpgw.config.json": JSON.stringify({
      preset: "none",
      plugins: { "process-runtime": {}, "sse-runtime": {} },
      state_dir: path.join(dir, "state"),
      health_check_interval_seconds: 0,
      ...config,
    }),
  });
  const logs = captureLogs();
  const loaded = await loadGateway({ configFile: path.join(dir, "mcpgw.config.json"), logger: logs.logger, cwd: dir });
  if (!loaded.kernel) throw new Error(`config invalid: ${loaded.issues.map((issue) => issue.message).join("; ")}`);
  const kernel = loaded.kernel;
  const changes: ServerStateChange[] = [];
  kernel.hooks.serverStateChanged.tap("test", (change) => void changes.push(change));
  // One hook, so the folder goes only after the kernel stopped writing to it.
  t.after(async () => {
    await kernel.stop();
    if (!given) rmSync(dir, { recursive: true, force: true });
  });
  await kernel.start();
  return { kernel, supervisor: kernel.container.resolve(coreTokens.supervisor) as Supervisor, logs, dir, changes };
}

/** Resolves on the next change of `server` to `status` (an event, not a poll). */
export function nextState(kernel: Kernel, server: string, status: ServerStatus): Promise<ServerStateChange> {
  return new Promise((resolve) => {
    let done = false;
    kernel.hooks.serverStateChanged.tap("test-wait", (change) => {
      if (!done && change.server === server && change.to === status) {
        done = true;
        resolve(change);
      }
    });
  });
}

export function callTool(
  supervisor: Supervisor,
  server: string,
  name: string,
  args: Record<string, unknown> = {},
  options: Parameters<Supervisor["request"]>[2] = {},
) {
  return supervisor.request(
    server,
    { method: "tools/call", params: { name, arguments: args } },
    options,
  ) as Promise<CallToolResult>;
}

export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first && first.type === "text" ? first.text : "";
}

export function readLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Alive means it exists and is not a zombie (a zombie's exit is final; only its parent's bookkeeping remains). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Polls `condition` every 20 ms until it holds, failing after `timeoutMs`; only for facts no event reports. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until none of the pids in `file` runs any more. */
export async function assertNoSurvivors(file: string, timeoutMs = 8_000): Promise<void> {
  const pids = readLines(file).map(Number);
  await waitUntil(() => pids.every((pid) => !isAlive(pid)), timeoutMs, `pids ${pids.join(", ")} to exit`);
}

/** A port nobody listens on right now (bound on 127.0.0.1 with port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
