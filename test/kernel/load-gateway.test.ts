import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadTestGateway } from "../helpers/gateway.js";

test("a missing --catalog is reported against the flag, not against a key the file does not have", async (t) => {
  const loaded = await loadTestGateway(t, "log_level: info\n", { overrides: { catalog_path: "nowhere/catalog.yaml" } });
  assert.equal(loaded.kernel, undefined);
  const issue = loaded.issues.find((candidate) => candidate.severity === "error")!;
  assert.equal(issue.file, undefined);
  assert.equal(issue.line, undefined);
  assert.match(issue.message, /^--catalog: Catalog file not found: .*nowhere\/catalog\.yaml$/);
});

test("a catalog_path in the file that is missing points at its key and line", async (t) => {
  const loaded = await loadTestGateway(t, "log_level: info\ncatalog_path: ./missing.yaml\n");
  const issue = loaded.issues.find((candidate) => candidate.severity === "error")!;
  assert.deepEqual([issue.path, issue.line, path.basename(issue.file!)], [["catalog_path"], 2, "mcpgw.config.yaml"]);
});

test("warnings are returned to the caller, not logged by the loader (the CLI shows them once)", async (t) => {
  const loaded = await loadTestGateway(t, "hot_reload: true\nplugins:\n  hot-reload: false\n");
  assert.deepEqual(
    loaded.issues.map((issue) => [issue.severity, issue.message]),
    [["warning", "'hot_reload' is ignored: its plugin 'hot-reload' is not enabled"]],
  );
  assert.ok(loaded.kernel);
  assert.equal(loaded.logs.text().includes("is ignored"), false);
});

test("every value taken from the environment is listed as a secret; defaults and literals are not", async (t) => {
  const loaded = await loadTestGateway(
    t,
    [
      "servers:",
      "  - id: one",
      "    runtime: { type: local-process, command: node, args: ['--token', '${TOKEN}', '${MODE:-fallback-mode}', 'literal-arg'] }",
      "    env: { KEY: '${API_KEY:-unused-default}' }",
    ].join("\n"),
    { env: { TOKEN: "tok-123456", API_KEY: "key-abcdef" } },
  );
  assert.ok(loaded.kernel);
  assert.deepEqual([...loaded.kernel.config.secrets].sort(), ["key-abcdef", "tok-123456"]);
});
