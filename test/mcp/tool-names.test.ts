import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIENT_TOOL_NAME, distinctName, NameMap, exposedName, type NameChange } from "../../src/mcp/toolNames.js";

const options = { separator: "__", maxLength: 64 };

test("a name that fits stays <prefix><separator><name>", () => {
  assert.equal(exposedName("everything", "get-sum", options), "everything__get-sum");
  assert.equal(exposedName("ev", "echo", { separator: "-", maxLength: 64 }), "ev-echo");
});

test("characters clients reject are mapped and a stable hash keeps the name unique", () => {
  const dotted = exposedName("fs", "read.file", options);
  const underscored = exposedName("fs", "read_file", options);
  assert.match(dotted, /^fs__read_file_[0-9a-f]{6}$/);
  assert.equal(underscored, "fs__read_file");
  assert.notEqual(dotted, underscored);
  assert.equal(exposedName("fs", "read.file", options), dotted, "same input, same name");
  assert.match(exposedName("x", "ünïcode tool/v2", options), CLIENT_TOOL_NAME);
});

test("long names are cut to the limit, keep their start, and stay distinct", () => {
  const long = "a".repeat(80);
  const a = exposedName("server", `${long}-one`, options);
  const b = exposedName("server", `${long}-two`, options);
  assert.equal(a.length, 64);
  assert.equal(b.length, 64);
  assert.notEqual(a, b);
  assert.ok(a.startsWith("server__aaaa"));
  assert.match(a, CLIENT_TOOL_NAME);
  assert.equal(exposedName("s", "x".repeat(200), { separator: "__", maxLength: 16 }).length, 16);
});

test("the map resolves exposed names back, reports each change once, and gives a second owner a distinct name", () => {
  const changes: NameChange[] = [];
  const map = new NameMap(options, (change) => changes.push(change));
  const exposed = map.expose("fs", "fs", "read.file")!;
  assert.equal(map.expose("fs", "fs", "read.file"), exposed);
  assert.deepEqual(map.resolve(exposed), { server: "fs", name: "read.file" });
  assert.deepEqual(changes, [{ server: "fs", original: "read.file", exposed, reason: "fit" }]);
  assert.equal(map.expose("ev", "ev", "echo"), "ev__echo");
  const distinct = map.expose("other", "ev", "echo");
  assert.equal(distinct, distinctName("other", "ev", "echo", options), "same prefix, same tool, another server");
  assert.match(distinct!, /^ev__echo_[0-9a-f]{6}$/);
  assert.deepEqual(map.resolve(distinct!), { server: "other", name: "echo" });
  assert.deepEqual(changes.at(-1), {
    server: "other",
    original: "echo",
    exposed: distinct,
    reason: "clash",
    clashesWith: "ev",
  });
  assert.equal(map.expose("other", "ev", "echo"), distinct, "stable");
  map.forget("ev");
  assert.equal(map.resolve("ev__echo"), undefined);
});
