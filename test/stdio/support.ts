// Shared pieces of the stdio frontend tests: `mcpgw stdio` as a real child process.
import "reflect-metadata";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { CLI, tempDir, writeFiles } from "../helpers/files.js";

export type TestContext = { after(fn: () => unknown): void };

export { CLI };

/** Writes `config` (JSON, which is YAML too) with a temp state_dir into a temp folder; returns the file. */
export function writeConfig(t: TestContext, config: Record<string, unknown>): string {
  const dir = tempDir(t);
  writeFiles(dir, {
    "mcpgw.config.yaml": JSON.stringify(
      { state_dir: path.join(dir, "state"), health_check_interval_seconds: 0, ...config },
      null,
      2,
    ),
  });
  return path.join(dir, "mcpgw.config.yaml");
}

/** An SDK client talking to `mcpgw stdio ARGS` over its stdin/stdout; stderr is collected. */
export async function connectStdio(
  t: TestContext,
  args: string[],
  options: { capabilities?: ClientCapabilities; setup?: (client: Client) => void; env?: Record<string, string> } = {},
): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "stdio", ...args],
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
  });
  let stderr = "";
  transport.stderr!.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "stdio-test", version: "1.0.0" }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(transport);
  t.after(() => client.close());
  return { client, transport, stderr: () => stderr };
}

/** `mcpgw stdio ARGS` with raw pipes, for bad input and exit checks. */
export function spawnStdio(
  t: TestContext,
  args: string[],
): ChildProcessWithoutNullStreams & { stdoutText: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, "stdio", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.resume();
  const exited = once(child, "exit").then(([code]) => code as number | null);
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return Object.assign(child, { stdoutText: () => stdout, exited });
}

/** Pids of the processes whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirNumeric("/proc")) {
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (Number(/PPid:\s+(\d+)/.exec(status)?.[1]) === pid) out.push(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readdirNumeric(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}
