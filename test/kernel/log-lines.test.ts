import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createLogger } from "../../src/kernel/logger.js";
import { flushLogLines } from "../../src/kernel/TurnBatchedDestination.js";

function logFile(t: { after(fn: () => void): void }): { fd: number; text: () => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mcpgw-log-lines-"));
  const file = path.join(dir, "gateway.log");
  const fd = openSync(file, "w");
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  return { fd, text: () => readFileSync(file, "utf8") };
}

const messages = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { msg: string }).msg);

test("log lines to a descriptor leave together when their event-loop turn ends, in the order they were logged", async (t) => {
  const file = logFile(t);
  const logger = createLogger("info", file.fd);
  logger.info("first");
  logger.child({ component: "requests" }).info("second");
  logger.warn("third");
  assert.equal(file.text(), "", "nothing is written within the turn");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(messages(file.text()), ["first", "second", "third"]);
});

test("flushLogLines writes what is pending at once, so a message written straight after follows it", (t) => {
  const file = logFile(t);
  const logger = createLogger("info", file.fd);
  logger.info("pending");
  flushLogLines();
  assert.deepEqual(messages(file.text()), ["pending"]);
});
