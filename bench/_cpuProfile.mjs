// Reading a V8 CPU profile (`node --cpu-prof`): how much of a process's busy time, inside a window,
// went to the frames a predicate picks, the functions they call included. A share measured within
// one process at one time does not swing with the machine's load the way throughput does.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Now, on the clock V8 stamps profile samples with (the monotonic clock, in µs). */
export const profileClock = () => Number(process.hrtime.bigint() / 1000n);

/** The one profile a process wrote into `dir`. */
export function readProfile(dir) {
  const [file, ...more] = readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  if (!file || more.length > 0) throw new Error(`expected one .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(path.join(dir, file), "utf8"));
}

const IDLE = new Set(["(idle)", "(root)"]);

/**
 * Of the samples between `from` and `to` (profileClock), the busy time (everything but idle), the
 * time in frames for which `picked(callFrame)` holds or in what they called, and the time in V8's
 * garbage collector (which no frame owns), in ms.
 */
export function timeShare(profile, picked, { from = -Infinity, to = Infinity } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const insidePicked = new Map();
  const isInside = (id) => {
    if (!insidePicked.has(id)) {
      const parent = parents.get(id);
      insidePicked.set(id, picked(nodes.get(id).callFrame) || (parent !== undefined && isInside(parent)));
    }
    return insidePicked.get(id);
  };
  let at = profile.startTime;
  const totals = { busyMs: 0, pickedMs: 0, gcMs: 0 };
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index];
    // A sample's time is the gap to the next one.
    const span = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const name = nodes.get(id).callFrame.functionName;
    if (at < from || at > to || IDLE.has(name)) return;
    totals.busyMs += span;
    if (name === "(garbage collector)") totals.gcMs += span;
    else if (isInside(id)) totals.pickedMs += span;
  });
  return totals;
}
