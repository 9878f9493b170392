/**
 * The orphan guard: a tiny process the gateway starts once (in its own session, so terminal
 * signals aimed at the gateway miss it). The gateway tells it, one line each on stdin, which
 * backend process groups exist (`+<pgid>`) and which ended (`-<pgid>`). When stdin reaches EOF,
 * the gateway is gone, however it died (SIGKILL and OOM included): the guard ends every group
 * it still knows, SIGTERM then SIGKILL, and exits.
 */
const GRACE_MS = 2_000;
const groups = new Set<number>();
let pending = "";

function signal(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

function reapAll(): void {
  const alive = [...groups].filter((pgid) => signal(pgid, "SIGTERM"));
  if (alive.length === 0) process.exit(0);
  setTimeout(() => {
    for (const pgid of alive) signal(pgid, "SIGKILL");
    process.exit(0);
  }, GRACE_MS);
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop()!;
  for (const line of lines) {
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === "+") groups.add(pgid);
    else if (line[0] === "-") groups.delete(pgid);
  }
});
process.stdin.on("end", reapAll);
process.stdin.on("error", reapAll);
