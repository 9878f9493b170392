// The byte scan that refuses deep or value-heavy JSON before it is parsed: exact over strings, escapes and chunk borders.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonShapeScan } from "../../plugins/http-frontend/JsonShapeScan.js";

function verdict(text: string, maxDepth: number, chunkSize = text.length, maxValues = 1_000_000) {
  const scan = new JsonShapeScan({ maxDepth, maxValues });
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const passed = scan.push(bytes.subarray(i, i + chunkSize));
    if (passed !== undefined) return passed;
  }
  return "fits";
}

const fits = (text: string, maxDepth: number, chunkSize?: number) => verdict(text, maxDepth, chunkSize) === "fits";

test("counts array and object levels, not brackets inside strings or after escaped quotes", () => {
  assert.equal(fits('{"a":[[1]]}', 3), true);
  assert.equal(verdict('{"a":[[[1]]]}', 3), "too deep");
  assert.equal(fits('{"a":"[[[[{{{{"}', 1), true);
  assert.equal(fits('{"a":"\\"[[[[","b":"\\\\"}', 1), true, "an escaped quote does not end the string");
  assert.equal(fits('{"a":"\\\\","b":[[1]]}', 2), false, "an escaped backslash does not escape the quote");
  assert.equal(fits('["é[", [["ü"]]]', 3), true, "multi-byte characters");
  assert.equal(fits("[" + "[],".repeat(999) + "[]]", 2), true, "siblings do not add up");
});

test("counts values at every level, not commas inside strings", () => {
  assert.equal(verdict("[1,2,3]", 8, undefined, 3), "fits", "an array and its two separators");
  assert.equal(verdict("[1,2,3,4]", 8, undefined, 3), "too many values");
  assert.equal(verdict('[{"a":1,"b":2}]', 8, undefined, 3), "fits");
  assert.equal(verdict('[{"a":1,"b":2},{}]', 8, undefined, 3), "too many values", "nested values add up");
  assert.equal(verdict(JSON.stringify({ text: ",".repeat(10_000) }), 8, undefined, 3), "fits");
});

test("gives the same answer whatever the chunk borders", () => {
  const text = '{"s":"a\\"[b,","x":[[{"y":"\\\\"}]],"z":"é"}';
  for (const maxDepth of [2, 3, 4]) {
    const whole = verdict(text, maxDepth);
    for (let size = 1; size <= text.length; size++)
      assert.equal(verdict(text, maxDepth, size), whole, `chunks of ${size}`);
  }
  assert.equal(verdict(text, 3), "too deep");
  assert.equal(verdict(text, 4), "fits");
  assert.equal(
    verdict(text, 8, undefined, 6),
    "fits",
    "six values: an object, an array in an array, an object, two separators",
  );
  for (let size = 1; size <= text.length; size++)
    assert.equal(verdict(text, 8, size, 5), "too many values", `chunks of ${size}`);
});
