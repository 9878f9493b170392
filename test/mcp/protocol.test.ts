import assert from "node:assert/strict";
import { test } from "node:test";
import { isJSONRPCRequest, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { isPlainRequest, isPlainResult } from "../../src/protocol/plainMessages.js";
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

test("isPlainRequest accepts only requests the SDK's request schema accepts as they are, and leaves anything unusual to the SDK", () => {
  const plain = [
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } },
    { jsonrpc: "2.0", id: "a", method: "tools/list" },
    { jsonrpc: "2.0", id: 0, method: "ping", params: {} },
    { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", _meta: { progressToken: "p" } } },
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: { _meta: { progressToken: 7 } } },
  ];
  for (const message of plain) {
    assert.equal(isPlainRequest(message), true, JSON.stringify(message));
    assert.equal(isJSONRPCRequest(message), true, `the SDK accepts ${JSON.stringify(message)}`);
  }
  const unusual: unknown[] = [
    { jsonrpc: "2.0", id: 1.5, method: "ping" },
    { jsonrpc: "2.0", id: null, method: "ping" },
    { jsonrpc: "1.0", id: 1, method: "ping" },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 1, result: {} },
    { jsonrpc: "2.0", id: 1, method: "ping", extra: true },
    { jsonrpc: "2.0", id: 1, method: "ping", params: [] },
    { jsonrpc: "2.0", id: 1, method: "ping", params: undefined },
    { jsonrpc: "2.0", id: 1, method: "ping", params: { _meta: { progressToken: 1.5 } } },
    {
      jsonrpc: "2.0",
      id: 1,
      method: "ping",
      params: { _meta: { "io.modelcontextprotocol/related-task": { taskId: "t" } } },
    },
    [{ jsonrpc: "2.0", id: 1, method: "ping" }],
    "ping",
  ];
  for (const message of unusual) assert.equal(isPlainRequest(message), false, JSON.stringify(message));
});

test("isPlainResult accepts only results the SDK's message schema passes unchanged, and leaves anything unusual to it", () => {
  const plain = [
    { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hi" }] } },
    { jsonrpc: "2.0", id: "a", result: {} },
    { result: { tools: [], nextCursor: "c" }, jsonrpc: "2.0", id: 0 },
  ];
  for (const message of plain) {
    assert.equal(isPlainResult(message), true, JSON.stringify(message));
    assert.deepEqual(JSONRPCMessageSchema.parse(message), message, "the schema passes it unchanged");
  }
  const unusual: unknown[] = [
    { jsonrpc: "2.0", id: 1, result: { _meta: { progressToken: 1 } } },
    { jsonrpc: "2.0", id: 1.5, result: {} },
    { jsonrpc: "2.0", id: null, result: {} },
    { jsonrpc: "2.0", id: 1, result: [] },
    { jsonrpc: "2.0", id: 1, result: "text" },
    { jsonrpc: "2.0", id: 1, result: {}, extra: 1 },
    { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found" } },
    { jsonrpc: "2.0", id: 1, method: "ping" },
    { id: 1, result: {} },
  ];
  for (const message of unusual) assert.equal(isPlainResult(message), false, JSON.stringify(message));
});
