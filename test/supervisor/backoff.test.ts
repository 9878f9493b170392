import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelayMs, BACKOFF_CAP_MS } from "../../src/supervisor/backoff.js";

test("backoff doubles from 0.5 s to a 30 s cap", () => {
  const top = () => 1;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((failures) => backoffDelayMs(failures, top)),
    [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
  assert.equal(backoffDelayMs(100, top), BACKOFF_CAP_MS);
});

test("jitter takes at most a quarter off, so a crash loop gets at most 5 starts in 10 s", () => {
  const bottom = () => 0;
  assert.equal(backoffDelayMs(1, bottom), 375);
  let elapsed = 0;
  let starts = 1;
  for (let failures = 1; elapsed + backoffDelayMs(failures, bottom) <= 10_000; failures++) {
    elapsed += backoffDelayMs(failures, bottom);
    starts += 1;
  }
  assert.equal(starts, 5);
});
