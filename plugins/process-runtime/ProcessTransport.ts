import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { type BackendStderr, type Logger, readBackendStdio, sdkTypes, StdinWriter } from "open-mcp-gateway";
import type { OrphanGuard } from "./OrphanGuard.js";
import { reapGroup, signalGroup } from "./processGroup.js";

/** The stop sequence: close stdin, wait, SIGTERM the group, wait, SIGKILL it. */
export interface StopGrace {
  readonly afterStdinMs: number;
  readonly afterTermMs: number;
}
export const DEFAULT_GRACE: StopGrace = { afterStdinMs: 2_000, afterTermMs: 3_000 };
/** After the leader exited, how long its stdout may stay open (held by a grandchild) before we stop waiting. */
const STDOUT_AFTER_EXIT_MS = 100;

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The gateway's logger masks secrets (the server's env values among them) in what is logged from the backend. */
  readonly logger: Logger;
  readonly guard?: OrphanGuard;
  readonly grace?: StopGrace;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * MCP over a child's stdin/stdout, written for the gateway instead of the SDK's
 * StdioClientTransport: no shell ever, its own process group (so stopping reaches grandchildren),
 * a chosen environment, a 4 MiB line cap, non-MCP stdout lines skipped, and stderr logged.
 */
export class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #child?: Child;
  #stdin?: StdinWriter;
  #exited?: Promise<ProcessExit | undefined>;
  #closing?: Promise<void>;
  #closed = false;
  #stdoutEnded = false;
  #stderr?: BackendStderr;
  readonly #grace: StopGrace;

  constructor(private readonly spec: ProcessSpec) {
    this.#grace = spec.grace ?? DEFAULT_GRACE;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error("ProcessTransport already started");
    const messageSchema = (await sdkTypes()).JSONRPCMessageSchema;
    const { command, args, cwd, env, logger } = this.spec;
    // detached: the child leads a new process group, so signals can reach everything it spawns.
    const child = spawn(command, [...args], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
      shell: false,
      windowsHide: true,
    });
    this.#child = child;
    this.#exited = once(child, "exit").then(
      ([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }),
      () => undefined,
    );
    try {
      await once(child, "spawn");
    } catch (error) {
      this.#closed = true;
      throw new Error(describeSpawnError(error as NodeJS.ErrnoException, command), { cause: error });
    }
    const pid = child.pid!;
    this.spec.guard?.watch(pid);

    this.#stderr = readBackendStdio(child.stdout, child.stderr, {
      logger,
      messageSchema,
      onMessage: (message) => this.onmessage?.(message),
      onCorrupt: (error) => this.#onCorrupt(error),
      onStdoutEnd: () => {
        this.#stdoutEnded = true;
        this.#finish();
      },
    });
    this.#stdin = new StdinWriter(child.stdin);
    // EPIPE: the backend closed its stdin, almost always because it is exiting. Messages wait for the
    // transport to close, so their calls fail as lost to the exit, not with "write EPIPE"; one that
    // closed its stdin and lives on cannot be reached any more, and is ended.
    child.stdin.on("error", () => {
      if (!this.#closing && child.exitCode === null && child.signalCode === null) signalGroup(pid, "SIGTERM");
    });
    child.on("exit", (code, signal) => {
      logger.debug({ pid, code, signal }, "Backend process exited");
      if (this.#stdoutEnded) return;
      setTimeout(() => this.#finish(), STDOUT_AFTER_EXIT_MS).unref();
    });
  }

  /** The last lines the child wrote to stderr, oldest first. */
  get stderrTail(): readonly string[] {
    return this.#stderr?.tail ?? [];
  }

  /** Resolves once the child's stderr closed, or after `ms`: what it wrote just before an exit may still be in the pipe. */
  async stderrDrained(ms: number): Promise<void> {
    if (this.#stderr) await exitsWithin(this.#stderr.closed, ms);
  }

  /** How the child ended, if it has or does within `ms`; undefined while it runs (or before it started). */
  async exitWithin(ms: number): Promise<ProcessExit | undefined> {
    const exited = this.#exited;
    return exited && (await exitsWithin(exited, ms)) ? exited : undefined;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#stdin || this.#closed) throw new Error("The backend process is not running");
    await this.#stdin.send(message);
  }

  /** Stops the backend: stdin closed, then SIGTERM, then SIGKILL to its group, each after a grace period. */
  close(): Promise<void> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      this.spec.guard?.stopping(child.pid);
      child.stdin.end();
      if (!(await exitsWithin(this.#exited!, this.#grace.afterStdinMs))) {
        signalGroup(child.pid, "SIGTERM");
        if (!(await exitsWithin(this.#exited!, this.#grace.afterTermMs))) {
          signalGroup(child.pid, "SIGKILL");
          await this.#exited;
        }
      }
    }
    await reapGroup(child.pid, this.#grace.afterTermMs);
    this.#finish();
  }

  #onCorrupt(error: Error): void {
    this.onerror?.(error);
    // The stream is corrupt from here on: no point in a graceful stop.
    if (this.#child?.pid !== undefined) signalGroup(this.#child.pid, "SIGKILL");
  }

  /** Reports the end once, after sweeping whatever the backend left in its group. */
  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    const pid = this.#child?.pid;
    if (pid !== undefined) {
      this.spec.guard?.ended(pid);
      if (signalGroup(pid, 0)) void reapGroup(pid, this.#grace.afterTermMs);
    }
    this.onclose?.();
    // After onclose: the SDK has failed the pending requests as lost to the exit, which is what their callers hear.
    this.#stdin?.fail(new Error("The backend process is not running"));
  }
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The original gateway's words for a child that ended: "process exited with code 1". */
export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `process was killed by ${exit.signal}` : `process exited with code ${exit.code}`;
}

function exitsWithin(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([exited.then(() => true), late]).finally(() => clearTimeout(timer));
}

function describeSpawnError(error: NodeJS.ErrnoException, command: string): string {
  // working_dir is checked before the spawn (workingDirProblem), so ENOENT is the command.
  if (error.code === "ENOENT") return `command not found: ${command}`;
  if (error.code === "EACCES") return `command is not executable: ${command}`;
  return `could not start ${command}: ${error.message}`;
}
