import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigIssue } from "../../src/config/model.js";
import { SourceDocument } from "../../src/config/SourceDocument.js";
import { substituteEnv } from "../../src/config/substitute.js";

function run(
  value: unknown,
  env: Record<string, string | undefined>,
  locate?: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined,
) {
  const issues: ConfigIssue[] = [];
  const out = substituteEnv(value, { env, file: "/cfg/mcpgw.config.yaml", issues, locate });
  return { out, issues };
}

test("${VAR} is replaced by the variable's value", () => {
  assert.deepEqual(run({ a: "x-${HOME_DIR}-y" }, { HOME_DIR: "/home/me" }).out, { a: "x-/home/me-y" });
});

test("an unset ${VAR} is an error naming the variable and the key path, and the reference stays as written", () => {
  const { out, issues } = run({ api_key: "${MISSING}" }, {});
  assert.deepEqual(out, { api_key: "${MISSING}" });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.severity, "error");
  assert.deepEqual(issues[0]!.path, ["api_key"]);
  assert.equal(issues[0]!.file, "/cfg/mcpgw.config.yaml");
  assert.equal(issues[0]!.message, "Environment variable 'MISSING' is not set; set it or write ${MISSING:-default}");
});

test("a set but empty ${VAR} gives the empty string (no error)", () => {
  const { out, issues } = run({ a: "[${EMPTY}]" }, { EMPTY: "" });
  assert.deepEqual(out, { a: "[]" });
  assert.deepEqual(issues, []);
});

test("${VAR:-default} uses the default when the variable is unset or empty, the value otherwise", () => {
  assert.deepEqual(run({ a: "${U:-fallback}" }, {}).out, { a: "fallback" });
  assert.deepEqual(run({ a: "${E:-fallback}" }, { E: "" }).out, { a: "fallback" });
  assert.deepEqual(run({ a: "${S:-fallback}" }, { S: "set" }).out, { a: "set" });
  assert.deepEqual(run({ a: "${U:-}" }, {}).out, { a: "" });
});

test("a default may hold spaces, colons, slashes and '-'", () => {
  assert.deepEqual(run({ a: "${URL:-http://127.0.0.1:3001/mcp}" }, {}).out, { a: "http://127.0.0.1:3001/mcp" });
  assert.deepEqual(run({ a: "${MSG:-hello big world}" }, {}).out, { a: "hello big world" });
  assert.deepEqual(run({ a: "${X:--a:-b}" }, {}).out, { a: "-a:-b" });
});

test("$${ is a literal ${ and is not substituted", () => {
  const { out, issues } = run({ a: "$${NOT_A_VAR}", b: "cost: $$5", c: "$${A}${A}" }, { A: "1" });
  assert.deepEqual(out, { a: "${NOT_A_VAR}", b: "cost: $$5", c: "${A}1" });
  assert.deepEqual(issues, []);
});

test("adjacent references are each substituted; each unset one is its own error", () => {
  assert.deepEqual(run({ a: "${A}${B}-${A}" }, { A: "1", B: "2" }).out, { a: "12-1" });
  const { issues } = run({ a: "${C}${D}" }, {});
  assert.deepEqual(
    issues.map((issue) => issue.message),
    [
      "Environment variable 'C' is not set; set it or write ${C:-default}",
      "Environment variable 'D' is not set; set it or write ${D:-default}",
    ],
  );
});

test("an unclosed ${ is an error and the text stays as written", () => {
  const { out, issues } = run({ a: "pre ${OPEN" }, { OPEN: "x" });
  assert.deepEqual(out, { a: "pre ${OPEN" });
  assert.equal(issues.length, 1);
  assert.equal(
    issues[0]!.message,
    "Invalid environment variable reference: '${' is never closed with '}' (write $${ for a literal ${)",
  );
});

test("a bad variable name is an error", () => {
  for (const bad of ["${1ABC}", "${}", "${A-B}", "${A B}", "${:-x}"]) {
    const { out, issues } = run({ a: bad }, {});
    assert.equal(issues.length, 1, bad);
    assert.match(
      issues[0]!.message,
      /^Invalid environment variable reference: '\$\{.*\}' \(a name is letters, digits and '_', not starting with a digit\)$/,
      bad,
    );
    assert.deepEqual(out, { a: bad });
  }
});

test("a bare $VAR and a lone $ are left alone", () => {
  assert.deepEqual(run({ a: "$HOME and $ and {X}" }, { HOME: "h", X: "x" }).out, { a: "$HOME and $ and {X}" });
});

test("substitution reaches nested maps, lists, args, headers and env; paths name where", () => {
  const config = {
    servers: [
      {
        id: "one",
        env: { TOKEN: "${TOKEN}", NESTED: { deeper: ["${TOKEN}"] } },
        runtime: { type: "local-process", command: "${CMD}", args: ["--token", "${TOKEN}", "${NOPE}"] },
      },
      { id: "two", runtime: { type: "remote-sse", url: "${BASE}/mcp", headers: { Authorization: "Bearer ${TOKEN}" } } },
    ],
  };
  const { out, issues } = run(config, { TOKEN: "t0k", CMD: "npx", BASE: "http://h:1" });
  assert.deepEqual(out, {
    servers: [
      {
        id: "one",
        env: { TOKEN: "t0k", NESTED: { deeper: ["t0k"] } },
        runtime: { type: "local-process", command: "npx", args: ["--token", "t0k", "${NOPE}"] },
      },
      { id: "two", runtime: { type: "remote-sse", url: "http://h:1/mcp", headers: { Authorization: "Bearer t0k" } } },
    ],
  });
  assert.equal(issues.length, 1);
  assert.deepEqual(issues[0]!.path, ["servers", 0, "runtime", "args", 2]);
});

test("keys are never substituted; numbers, booleans and null pass through", () => {
  const { out, issues } = run({ "${KEY}": "v", n: 3, b: true, z: null }, { KEY: "k" });
  assert.deepEqual(out, { "${KEY}": "v", n: 3, b: true, z: null });
  assert.deepEqual(issues, []);
});

test("messages never contain a variable's value", () => {
  const secret = "s3cr3t-value-123";
  const { issues } = run({ a: "${SECRET}${MISSING}", b: "${SECRET", c: "${1x:-${SECRET}}" }, { SECRET: secret });
  assert.equal(issues.length, 3);
  for (const issue of issues) assert.ok(!issue.message.includes(secret), issue.message);
});

test("the input is not modified", () => {
  const input = { a: ["${A}"] };
  run(input, { A: "1" });
  assert.deepEqual(input, { a: ["${A}"] });
});

test("problems get a line from the file's document", () => {
  const text = 'servers:\n  - id: one\n    runtime:\n      type: local-process\n      command: "${CMD}"\n';
  const locate = (path: readonly PropertyKey[]) => new SourceDocument(text).locate(path);
  const { issues } = run(
    { servers: [{ id: "one", runtime: { type: "local-process", command: "${CMD}" } }] },
    {},
    locate,
  );
  assert.equal(issues[0]!.line, 5);
  assert.equal(issues[0]!.column, 7);
});
