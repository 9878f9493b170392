import { readdirSync, readFileSync } from "node:fs";

/**
 * What a backend started, found through Linux's /proc/<pid>/task/<tid>/children: only the tree
 * is read, not every process on the machine, so a scan costs about a millisecond per process in it.
 * Elsewhere (no /proc) every answer is empty.
 */

/** The start time of `pid` (clock ticks since boot): with the pid it names one process, even after the pid is reused. Undefined when gone or a zombie. */
export function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name, which may contain spaces and parentheses: state is the first, start time the 20th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" ? undefined : fields[19];
}

/** Every process below `root` right now (children, theirs, and so on), each with its start time. */
export function descendantsOf(root: number): Map<number, string> {
  const found = new Map<number, string>();
  const todo = [root];
  while (todo.length > 0) {
    for (const child of childrenOf(todo.pop()!)) {
      const start = startTimeOf(child);
      if (start === undefined || found.has(child)) continue;
      found.set(child, start);
      todo.push(child);
    }
  }
  return found;
}

/** Whether `pid` is still the process that started at `start`; if so, sends it `signal`. */
export function signalIfSame(pid: number, start: string, signal: NodeJS.Signals): boolean {
  if (startTimeOf(pid) !== start) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  // A child is listed under the thread that forked it, so every thread is read.
  return tasks.flatMap((task) => {
    try {
      return readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}
