import assert from "node:assert/strict";
import { test } from "node:test";
import { nestedDeeperThan } from "../../src/protocol/protocol.js";

const nest = (depth: number, leaf: unknown = 1): unknown =>
  JSON.parse('{"a":'.repeat(depth) + JSON.stringify(leaf) + "}".repeat(depth));

test("nestedDeeperThan counts array and object levels, and answers for any depth without recursing", () => {
  assert.equal(nestedDeeperThan(nest(3), 3), false);
  assert.equal(nestedDeeperThan(nest(4), 3), true);
  assert.equal(nestedDeeperThan([[["x"]]], 3), false);
  assert.equal(nestedDeeperThan([[[[]]]], 3), true);
  assert.equal(nestedDeeperThan({ wide: Array.from({ length: 10_000 }, (_, i) => ({ i })) }, 3), false);
  assert.equal(nestedDeeperThan("text", 0), false);
  // Far past the depth at which a recursive walk (or JSON.stringify) overflows the stack.
  assert.equal(nestedDeeperThan(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)), 1_000), true);
});
