import assert from "node:assert/strict";
import { test } from "node:test";
import { LineSplitter } from "../../src/runtime/stdio/LineSplitter.js";

function split(chunks: readonly string[], maxBytes = 16) {
  const lines: string[] = [];
  const overflows: string[] = [];
  const splitter = new LineSplitter(
    maxBytes,
    (line) => lines.push(line),
    (head) => overflows.push(head),
  );
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return { lines, overflows };
}

test("lines are cut at newlines whatever the chunking, CRLF included, and a last line without newline counts", () => {
  assert.deepEqual(split(["a\nb", "c\r\n", "", "d\n\ne"]).lines, ["a", "bc", "d", "", "e"]);
});

test("a multi-byte character split across chunks survives", () => {
  const bytes = Buffer.from("é€\n");
  const lines: string[] = [];
  const splitter = new LineSplitter(
    16,
    (line) => lines.push(line),
    () => assert.fail("no overflow"),
  );
  for (const byte of bytes) splitter.push(Buffer.from([byte]));
  assert.deepEqual(lines, ["é€"]);
});

test("a line over the cap is reported once with its head, the rest of it dropped, and the next line is whole", () => {
  const { lines, overflows } = split(["0123456789", "0123456789abc", "def\nnext\n"], 16);
  assert.deepEqual(overflows, ["0123456789012345"]);
  assert.deepEqual(lines, ["next"]);
});

test("a line of exactly the cap is a line", () => {
  assert.deepEqual(split(["x".repeat(16) + "\n"]).lines, ["x".repeat(16)]);
});
