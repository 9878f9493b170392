/**
 * The orphan guard: a tiny process the gateway starts once (in its own session, so terminal
 * signals aimed at the gateway miss it). The gateway tells it, one line each on stdin, which
 * backends run (`+<pid>`: each leads its process group), which it is about to stop (`?<pid>`), and
 * which ended (`-<pid>`). The guard records every descendant of each backend, by pid and start
 * time, every second and on `?`: a grandchild that left the process group (`detached: true`,
 * setsid) is still known after its parent is gone. When a backend ends, every descendant recorded
 * is ended (SIGTERM, then SIGKILL; the gateway has ended its group). When stdin reaches EOF the
 * gateway is gone, however it died (SIGKILL and OOM included): the guard ends every backend's group
 * and descendants, and exits.
 */
import { descendantsOf, signalIfSame, startTimeOf } from "./processTree.js";

const GRACE_MS = 2_000;
const SCAN_MS = 1_000;
interface Tree {
  /** The backend's own start time: once it is gone, its pid may name another process, whose children are not its. */
  readonly start: string | undefined;
  /** The descendants seen so far: pid → start time. */
  readonly seen: Map<number, string>;
}
/** Backend pid → what it started. */
const trees = new Map<number, Tree>();
let pending = "";

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // Already gone.
  }
}

function record(root: number): void {
  const tree = trees.get(root);
  if (!tree || tree.start === undefined || startTimeOf(root) !== tree.start) return;
  for (const [pid, start] of descendantsOf(root)) tree.seen.set(pid, start);
}

/**
 * Ends everything seen below a backend (and its group, when the gateway cannot): SIGTERM now,
 * SIGKILL to what is left after the grace period. Descendants are signalled by pid only while
 * their start time matches, so a reused pid is never hit.
 */
function end(root: number, group: boolean): void {
  record(root);
  const seen = trees.get(root)?.seen ?? new Map<number, string>();
  trees.delete(root);
  if (group) signalGroup(root, "SIGTERM");
  const alive = [...seen].filter(([pid, start]) => signalIfSame(pid, start, "SIGTERM"));
  if (!group && alive.length === 0) return;
  setTimeout(() => {
    if (group) signalGroup(root, "SIGKILL");
    for (const [pid, start] of alive) signalIfSame(pid, start, "SIGKILL");
  }, GRACE_MS);
}

const scanner = setInterval(() => {
  for (const root of trees.keys()) record(root);
}, SCAN_MS);

/** The gateway is gone: end every backend it had; the guard exits once the last SIGKILL timer ran. */
function endAll(): void {
  clearInterval(scanner);
  for (const root of [...trees.keys()]) end(root, true);
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop()!;
  for (const line of lines) {
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (line[0] === "+") trees.set(pid, { start: startTimeOf(pid), seen: new Map() });
    else if (line[0] === "?") record(pid);
    else if (line[0] === "-" && trees.has(pid)) end(pid, false);
  }
});
process.stdin.on("end", endAll);
process.stdin.on("error", endAll);
