import assert from "node:assert/strict";
import { test } from "node:test";
import { CallDeadline, MAX_TOTAL_REQUEST_MS } from "../../src/supervisor/CallDeadline.js";

test("the request timeout aborts the call with a reason naming the server and method", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const deadline = new CallDeadline("slow", "tools/call", 1000);
  t.mock.timers.tick(999);
  assert.equal(deadline.signal.aborted, false);
  t.mock.timers.tick(1);
  assert.equal(deadline.signal.aborted, true);
  assert.equal(deadline.expired, "Server 'slow' did not answer tools/call within 1 s");
  assert.equal(deadline.signal.reason, deadline.expired);
  assert.equal(deadline.cancelledByCaller, false);
  deadline.end();
});

test("progress starts the timeout over, but not past the hard maximum", (t) => {
  // The hard maximum is armed with the first progress, counted from the call's start (the clock).
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const deadline = new CallDeadline("chatty", "tools/call", 60_000);
  for (let elapsed = 0; elapsed < MAX_TOTAL_REQUEST_MS - 30_000; elapsed += 30_000) {
    t.mock.timers.tick(30_000);
    deadline.extend();
  }
  assert.equal(deadline.signal.aborted, false, "kept alive by progress");
  t.mock.timers.tick(30_000);
  assert.match(
    deadline.expired ?? "",
    /did not finish tools\/call within 600 s \(progress does not extend a call past that\)/,
  );
  deadline.end();
});

test("a caller's cancellation is passed on and is not an expiry", () => {
  const caller = new AbortController();
  const deadline = new CallDeadline("any", "tools/call", 60_000, caller.signal);
  caller.abort("client went away");
  assert.equal(deadline.signal.reason, "client went away");
  assert.equal(deadline.cancelledByCaller, true);
  assert.equal(deadline.expired, undefined);
  deadline.end();
});

test("end() disarms every timer", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const deadline = new CallDeadline("done", "tools/call", 1000);
  deadline.end();
  t.mock.timers.tick(MAX_TOTAL_REQUEST_MS * 2);
  assert.equal(deadline.signal.aborted, false);
});
