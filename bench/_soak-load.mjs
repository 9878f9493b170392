// Not a benchmark: the soak's load, in a worker thread so its heap is not the gateway's. Measures the
// gateway's throughput at 16 sessions, then calls at half of it for the soak's length.
import { parentPort, workerData } from "node:worker_threads";
import { drive, openStreamable } from "./_load.mjs";

const { url, minutes } = workerData;
const sessions = await Promise.all(Array.from({ length: 16 }, () => openStreamable(url)));
const peak = await drive(sessions, "echo", { seconds: 3 });
parentPort.postMessage({ phase: "measured", peak });
const soak = await drive(sessions, "echo", { seconds: minutes * 60, warmupSeconds: 0, rate: peak.rps / 2 });
// The sessions stay open until the gateway's end state is read, so start and end compare alike.
parentPort.postMessage({ phase: "done", soak });
parentPort.once("message", async () => {
  await Promise.all(sessions.map((session) => session.close()));
  parentPort.postMessage({ phase: "closed" });
});
