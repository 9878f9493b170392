import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Logger } from "open-mcp-gateway";

const GUARD_SCRIPT = fileURLToPath(new URL("./orphan-guard-main.js", import.meta.url));

/**
 * The gateway's side of the orphan guard (see orphan-guard-main.ts): one small watchdog process
 * per gateway, not one per backend, so cold starts do not pay for it. Backends also see stdin
 * EOF when the gateway dies; the guard covers those that ignore it.
 */
export class OrphanGuard {
  #child?: ChildProcess;

  constructor(private readonly logger: Logger) {}

  /** Starts the guard if it is not running (done early, so the first backend's start does not wait for it). */
  ensure(): void {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return;
    const child = spawn(process.execPath, ["--max-old-space-size=16", GUARD_SCRIPT], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    child.on("error", (error) =>
      this.logger.warn(`The orphan guard could not start (${error.message}); backends rely on stdin EOF alone`),
    );
    child.stdin!.on("error", () => undefined);
    // Neither the guard nor its pipe may keep the gateway alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    this.#child = child;
  }

  watch(pgid: number): void {
    this.ensure();
    this.#child!.stdin!.write(`+${pgid}\n`);
  }

  forget(pgid: number): void {
    this.#child?.stdin?.write(`-${pgid}\n`);
  }

  /** Normal shutdown: every backend is stopped already, so the guard finds nothing to do and exits. */
  close(): void {
    this.#child?.stdin?.end();
    this.#child = undefined;
  }
}
