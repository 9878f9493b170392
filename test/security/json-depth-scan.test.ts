// The byte scan that refuses deep JSON before it is parsed: exact over strings, escapes and chunk borders.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonDepthScan } from "../../plugins/http-frontend/JsonDepthScan.js";

function fits(text: string, maxDepth: number, chunkSize = text.length): boolean {
  const scan = new JsonDepthScan(maxDepth);
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += chunkSize) if (!scan.push(bytes.subarray(i, i + chunkSize))) return false;
  return true;
}

test("counts array and object levels, not brackets inside strings or after escaped quotes", () => {
  assert.equal(fits('{"a":[[1]]}', 3), true);
  assert.equal(fits('{"a":[[[1]]]}', 3), false);
  assert.equal(fits('{"a":"[[[[{{{{"}', 1), true);
  assert.equal(fits('{"a":"\\"[[[[","b":"\\\\"}', 1), true, "an escaped quote does not end the string");
  assert.equal(fits('{"a":"\\\\","b":[[1]]}', 2), false, "an escaped backslash does not escape the quote");
  assert.equal(fits('["é[", [["ü"]]]', 3), true, "multi-byte characters");
  assert.equal(fits("[]".repeat(1000), 1), true, "siblings do not add up");
});

test("gives the same answer whatever the chunk borders", () => {
  const text = '{"s":"a\\"[b","x":[[{"y":"\\\\"}]],"z":"é"}';
  for (const maxDepth of [2, 3, 4]) {
    const whole = fits(text, maxDepth);
    for (let size = 1; size <= text.length; size++)
      assert.equal(fits(text, maxDepth, size), whole, `chunks of ${size}`);
  }
  assert.equal(fits(text, 3), false);
  assert.equal(fits(text, 4), true);
});
