import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Logger } from "open-mcp-gateway";

const GUARD_SCRIPT = fileURLToPath(new URL("./orphan-guard-main.js", import.meta.url));

/**
 * The gateway's side of the orphan guard (see orphan-guard-main.ts): one small watchdog process
 * per gateway, not one per backend, so cold starts do not pay for it. It knows every backend's
 * descendants, including those that left the process group, and ends them when the backend ends
 * and when the gateway dies (backends also see stdin EOF then; the guard covers those that ignore it).
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

  /** A backend started; it leads process group `pid`. */
  watch(pid: number): void {
    this.ensure();
    this.#child!.stdin!.write(`+${pid}\n`);
  }

  /** The backend is about to be stopped: its descendants are recorded now, while they are still its. */
  stopping(pid: number): void {
    this.#child?.stdin?.write(`?${pid}\n`);
  }

  /** The backend ended: whatever it left outside its process group is ended too. */
  ended(pid: number): void {
    this.#child?.stdin?.write(`-${pid}\n`);
  }

  /** Normal shutdown: every backend is stopped already; the guard ends what they left and exits. */
  close(): void {
    this.#child?.stdin?.end();
    this.#child = undefined;
  }
}
