import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
export { CLI, GATEWAY_HTTP, GATEWAY_STDIO } from "../helpers/files.js";

/** The parent's environment without anything that would change the gateway's behaviour. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(LOG_LEVEL|RUST_LOG|MCP_GATEWAY_API_KEY|NODE_OPTIONS|NODE_TEST_CONTEXT)$/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running child with its output collected as it comes. */
export class Child {
  readonly process: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Finished>;

  constructor(
    script: string,
    args: readonly string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: "pipe" | "ignore" },
  ) {
    this.process = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    });
    this.process.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.stdout += chunk));
    this.process.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = once(this.process, "close").then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      stdout: this.stdout,
      stderr: this.stderr,
    }));
  }

  /** Resolves when stderr has a line matching `pattern`; rejects if the child exits first. */
  waitForStderr(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.stderr.split("\n").find((candidate) => pattern.test(candidate));
        if (line !== undefined) {
          this.process.stderr!.off("data", check);
          resolve(line);
        }
      };
      this.process.stderr!.on("data", check);
      check();
      void this.exited.then((finished) =>
        reject(new Error(`exited (${finished.code ?? finished.signal}) before ${pattern}:\n${finished.stderr}`)),
      );
    });
  }

  /** Ends the child if it still runs (for t.after). */
  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill("SIGKILL");
      await this.exited;
    }
  }
}

/** Runs a script to completion. */
export function run(
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Finished> {
  return new Child(script, args, options).exited;
}

/** Starts a script and ends it when the test ends. */
export function start(
  t: { after(fn: () => Promise<void>): void },
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: "pipe" | "ignore" },
): Child {
  const child = new Child(script, args, options);
  t.after(() => child.kill());
  return child;
}

/** Parses pino's JSON lines (stderr); any other line fails the test that calls this. */
export function logLines(stderr: string): Array<{ level: string; msg: string } & Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/**
 * Runs a gateway that is expected to refuse to listen (a non-loopback address without a key).
 * Should it listen after all, it is killed at once and the test fails instead of hanging.
 */
export async function runExpectingRefusal(
  t: { after(fn: () => Promise<void>): void },
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Finished> {
  const child = start(t, script, args, options);
  const listened = child.waitForStderr(/Listening on/).then(
    () => true,
    () => false,
  );
  const outcome = await Promise.race([
    child.exited.then(() => "exited" as const),
    listened.then((yes) => (yes ? ("listening" as const) : ("exited" as const))),
  ]);
  if (outcome === "listening") {
    await child.kill();
    throw new Error(`the gateway listened although it should have refused:\n${child.stderr}`);
  }
  return child.exited;
}
