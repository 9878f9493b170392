import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createLogger } from "../../src/kernel/logger.js";
import { flushLogLines, LOG_BATCH_MS } from "../../src/kernel/BatchedLogDestination.js";

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

test("log lines to a descriptor leave together LOG_BATCH_MS after the first of them, in the order they were logged", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const file = logFile(t);
  const logger = createLogger("info", file.fd);
  logger.info("first");
  await new Promise((resolve) => setImmediate(resolve));
  logger.child({ component: "requests" }).info("second");
  logger.warn("third");
  t.mock.timers.tick(LOG_BATCH_MS - 1);
  assert.equal(file.text(), "", "nothing is written before the batch's time is up, even after the turn ended");
  t.mock.timers.tick(1);
  assert.deepEqual(messages(file.text()), ["first", "second", "third"]);
});

test("64 KB of pending log lines are written at once, without waiting for the batch's time", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const file = logFile(t);
  const logger = createLogger("info", file.fd);
  let logged = 0;
  while (file.text() === "" && logged < 1000) {
    logger.info("x".repeat(1024));
    logged += 1;
  }
  const written = file.text();
  assert.equal(messages(written).length, logged, "every line logged so far leaves in that write");
  assert.ok(written.length >= 64 * 1024, `written at ${written.length} characters`);
  assert.ok(written.length - written.length / logged < 64 * 1024, "not later than the line that crossed 64 KB");
});

test("flushLogLines writes what is pending at once, so a message written straight after follows it", (t) => {
  const file = logFile(t);
  const logger = createLogger("info", file.fd);
  logger.info("pending");
  flushLogLines();
  assert.deepEqual(messages(file.text()), ["pending"]);
});
