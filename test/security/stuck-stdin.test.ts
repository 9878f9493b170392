import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { StdinWriter } from "../../src/runtime/stdio/StdinWriter.js";

const PAYLOAD = "x".repeat(100 * 1024);

function request(id: number): JSONRPCMessage {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text: PAYLOAD } } };
}

// Reads nothing until told to over IPC; then counts the lines it gets until stdin ends, and reports them.
const LATE_READER = `
let lines = 0;
process.once("message", () => {
  process.stdin.on("data", (chunk) => { for (const byte of chunk) if (byte === 10) lines++; });
  process.stdin.on("end", () => process.send(lines, () => process.exit(0)));
});
`;

test("a backend that stops reading holds what its pipe takes plus one message, not 300 of 100 KB; a request cancelled before its turn never reaches it", async (t) => {
  const child = spawn(process.execPath, ["-e", LATE_READER], { stdio: ["pipe", "ignore", "ignore", "ipc"] });
  t.after(() => child.kill("SIGKILL"));
  await once(child, "spawn");
  const stdin = child.stdin!;
  const writer = new StdinWriter(stdin);
  const oneMessage = Buffer.byteLength(JSON.stringify(request(0))) + 1;

  const written = new Set<number>();
  // Dropped requests resolve too, later: the set is read before any is cancelled.
  const sent = Array.from({ length: 300 }, (_, id) => writer.send(request(id)).then(() => written.add(id)));
  await sent[0];
  await new Promise((resolve) => setImmediate(resolve));
  const taken = written.size;
  t.diagnostic(`${taken} of 300 messages went into the pipe before it was full`);
  // What the pipe took, in order, then nothing more: Node buffers at most what is left of one message.
  assert.deepEqual([...written], [...Array(taken).keys()]);
  assert.ok(taken < 50, `${taken} written`);
  assert.ok(stdin.writableLength <= oneMessage, `${stdin.writableLength} bytes buffered`);

  // The SDK cancels the requests that timed out: those never written are dropped, cancellation and all.
  const cancellations = Array.from({ length: 299 }, (_, i) =>
    writer.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: i + 1, reason: "timeout" } }),
  );
  const unsent = sent.slice(taken);
  await Promise.all(unsent);
  assert.ok(stdin.writableLength <= oneMessage);

  // Once the backend reads again, what still waits goes out in order.
  const last = writer.send(request(300));
  const counted = once(child, "message");
  child.send("read");
  await Promise.all([...cancellations, last]);
  stdin.end();
  const [lines] = await counted;
  // The requests it took before it stopped, their cancellations (all but request 0's), and request 300.
  assert.equal(lines, taken + (taken - 1) + 1);
});
