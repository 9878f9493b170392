import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { tempDir } from "./files.js";

type TestContext = { after(fn: () => unknown): void };

export interface NpxRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npx -y <args>` without a shell, in its own process group (killed after the test), with HOME in
 * a throwaway folder (clients write their settings and tokens there) and npm's cache shared. `stdin`
 * is written and left open, as a client's parent would; `timeoutMs` ends a hang as a failure.
 */
export function runNpx(
  t: TestContext,
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string; home?: string; timeoutMs?: number } = {},
): Promise<NpxRun> {
  const home = options.home ?? tempDir(t, "mcpgw-npx-home-");
  const npx = path.join(path.dirname(process.execPath), "npx");
  return new Promise((resolve, reject) => {
    const child = spawn(npx, ["-y", ...args], {
      shell: false,
      detached: true,
      cwd: options.cwd ?? home,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), ".npm"),
        npm_config_update_notifier: "false",
        NO_COLOR: "1",
        ...options.env,
      },
    });
    if (options.stdin !== undefined) child.stdin!.write(options.stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const kill = () => {
      try {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    t.after(kill);
    const timer = setTimeout(() => {
      kill();
      reject(
        new Error(`npx ${args.join(" ")} did not end within ${options.timeoutMs ?? 180_000} ms:\n${stdout}\n${stderr}`),
      );
    }, options.timeoutMs ?? 180_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
