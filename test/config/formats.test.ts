import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { SEARCH_PLACES } from "../../src/config/explorer.js";
import { errorsOf, loadFrom, serverIds } from "./load.js";

const yamlConfig = (id: string) => `servers:\n  - id: ${id}\n    runtime: { type: local-process, command: node }\n`;
const jsonConfig = (id: string) =>
  JSON.stringify({ servers: [{ id, runtime: { type: "local-process", command: "node" } }] }, null, 2);
const esmConfig = (id: string) =>
  `export default { servers: [{ id: "${id}", runtime: { type: "local-process", command: "node" } }] };\n`;
const cjsConfig = (id: string) =>
  `module.exports = { servers: [{ id: "${id}", runtime: { type: "local-process", command: "node" } }] };\n`;
const tsConfig = (id: string) =>
  `interface Entry { id: string; runtime: { type: string; command: string } }\n` +
  `const servers: Entry[] = [{ id: "${id}", runtime: { type: "local-process", command: "node" } }];\n` +
  `export default { servers } satisfies { servers: Entry[] };\n`;

test("the search places are the contract's, in its order", () => {
  assert.deepEqual(SEARCH_PLACES, [
    "package.json",
    ".mcpgwrc",
    ".mcpgwrc.json",
    ".mcpgwrc.yaml",
    ".mcpgwrc.yml",
    ".mcpgwrc.js",
    ".mcpgwrc.mjs",
    ".mcpgwrc.cjs",
    ".mcpgwrc.ts",
    ".config/mcpgwrc",
    ".config/mcpgwrc.json",
    ".config/mcpgwrc.yaml",
    ".config/mcpgwrc.yml",
    ".config/mcpgwrc.js",
    ".config/mcpgwrc.mjs",
    ".config/mcpgwrc.cjs",
    ".config/mcpgwrc.ts",
    "mcpgw.config.yaml",
    "mcpgw.config.yml",
    "mcpgw.config.json",
    "mcpgw.config.js",
    "mcpgw.config.mjs",
    "mcpgw.config.cjs",
    "mcpgw.config.ts",
  ]);
});

/** Every search place and a content in its format; the package.json of `type: module` makes .js ESM. */
const CASES: Array<{ file: string; content: string; format: string; id?: string }> = [
  { file: ".mcpgwrc", content: yamlConfig("rc-yaml"), format: "yaml" },
  { file: ".mcpgwrc.json", content: jsonConfig("rc-json"), format: "json" },
  { file: ".mcpgwrc.yaml", content: yamlConfig("rc-yaml-ext"), format: "yaml" },
  { file: ".mcpgwrc.yml", content: yamlConfig("rc-yml"), format: "yaml" },
  { file: ".mcpgwrc.js", content: esmConfig("rc-js"), format: "js" },
  { file: ".mcpgwrc.mjs", content: esmConfig("rc-mjs"), format: "js" },
  { file: ".mcpgwrc.cjs", content: cjsConfig("rc-cjs"), format: "js" },
  { file: ".mcpgwrc.ts", content: tsConfig("rc-ts"), format: "ts" },
  { file: ".config/mcpgwrc", content: yamlConfig("dot-config"), format: "yaml" },
  { file: ".config/mcpgwrc.json", content: jsonConfig("dot-config-json"), format: "json" },
  { file: ".config/mcpgwrc.yaml", content: yamlConfig("dot-config-yaml"), format: "yaml" },
  { file: ".config/mcpgwrc.yml", content: yamlConfig("dot-config-yml"), format: "yaml" },
  { file: ".config/mcpgwrc.js", content: esmConfig("dot-config-js"), format: "js" },
  { file: ".config/mcpgwrc.mjs", content: esmConfig("dot-config-mjs"), format: "js" },
  { file: ".config/mcpgwrc.cjs", content: cjsConfig("dot-config-cjs"), format: "js" },
  { file: ".config/mcpgwrc.ts", content: tsConfig("dot-config-ts"), format: "ts" },
  { file: "mcpgw.config.yaml", content: yamlConfig("cfg-yaml"), format: "yaml" },
  { file: "mcpgw.config.yml", content: yamlConfig("cfg-yml"), format: "yaml" },
  { file: "mcpgw.config.json", content: jsonConfig("cfg-json"), format: "json" },
  { file: "mcpgw.config.js", content: esmConfig("cfg-js"), format: "js" },
  { file: "mcpgw.config.mjs", content: esmConfig("cfg-mjs"), format: "js" },
  { file: "mcpgw.config.cjs", content: cjsConfig("cfg-cjs"), format: "js" },
  { file: "mcpgw.config.ts", content: tsConfig("cfg-ts"), format: "ts" },
];

for (const { file, content, format } of CASES) {
  test(`finds and loads ${file} (${format})`, async (t) => {
    const result = await loadFrom(t, { "package.json": '{ "type": "module" }\n', [file]: content });
    assert.deepEqual(errorsOf(result), []);
    assert.equal(result.loaded.configFile, path.join(result.dir, file));
    assert.equal(result.loaded.config!.source.format, format);
    const id =
      /id: "?([a-z-]+)"/.exec(content)?.[1] ??
      /id: ([a-z-]+)\n/.exec(content)?.[1] ??
      JSON.parse(content).servers[0].id;
    assert.deepEqual(serverIds(result), [id]);
    assert.equal(result.loaded.config!.source.dir, path.dirname(path.join(result.dir, file)));
  });
}

test(".mcpgwrc with no extension may hold JSON (YAML reads it)", async (t) => {
  const result = await loadFrom(t, { ".mcpgwrc": jsonConfig("rc-as-json") });
  assert.deepEqual(serverIds(result), ["rc-as-json"]);
});

test("a CommonJS .js config loads when the package is not ESM", async (t) => {
  const result = await loadFrom(t, { "mcpgw.config.js": cjsConfig("cjs-in-js") });
  assert.deepEqual(serverIds(result), ["cjs-in-js"]);
});

test("package.json's mcpgw key is a config, with lines inside package.json", async (t) => {
  const pkg = `{\n  "name": "demo",\n  "mcpgw": {\n    "servers": [\n      { "id": "from-pkg", "runtime": { "type": "local-process", "command": "node" } }\n    ],\n    "idel_timeout_seconds": 5\n  }\n}\n`;
  const result = await loadFrom(t, { "package.json": pkg });
  assert.deepEqual(errorsOf(result), [
    "package.json:7 idel_timeout_seconds: Unknown key 'idel_timeout_seconds' (did you mean 'idle_timeout_seconds'?)",
  ]);
  assert.equal(result.loaded.configFile, path.join(result.dir, "package.json"));
});

test("a package.json without an mcpgw key is not a config: the next place is", async (t) => {
  const result = await loadFrom(t, {
    "package.json": '{ "name": "demo" }\n',
    "mcpgw.config.yaml": yamlConfig("next-place"),
  });
  assert.deepEqual(serverIds(result), ["next-place"]);
});

test("within one folder the first search place wins", async (t) => {
  const result = await loadFrom(t, {
    "package.json": JSON.stringify({
      mcpgw: { servers: [{ id: "pkg", runtime: { type: "local-process", command: "node" } }] },
    }),
    ".mcpgwrc": yamlConfig("rc"),
    ".config/mcpgwrc.yaml": yamlConfig("dot-config"),
    "mcpgw.config.yaml": yamlConfig("cfg"),
  });
  assert.deepEqual(serverIds(result), ["pkg"]);
  const second = await loadFrom(t, {
    ".mcpgwrc.yml": yamlConfig("rc"),
    ".config/mcpgwrc": yamlConfig("dot-config"),
    "mcpgw.config.yaml": yamlConfig("cfg"),
  });
  assert.deepEqual(serverIds(second), ["rc"]);
  const third = await loadFrom(t, {
    ".config/mcpgwrc.json": jsonConfig("dot-config"),
    "mcpgw.config.yaml": yamlConfig("cfg"),
  });
  assert.deepEqual(serverIds(third), ["dot-config"]);
});

test("the search goes upward from a subfolder to the project root", async (t) => {
  const result = await loadFrom(
    t,
    { "mcpgw.config.yaml": yamlConfig("at-root"), "src/deep/er/.keep": "" },
    { cwd: "src/deep/er" },
  );
  assert.equal(result.loaded.configFile, path.join(result.dir, "mcpgw.config.yaml"));
  assert.deepEqual(serverIds(result), ["at-root"]);
});

test("a nearer config wins over one further up", async (t) => {
  const result = await loadFrom(
    t,
    { "mcpgw.config.yaml": yamlConfig("outer"), "sub/.mcpgwrc.yaml": yamlConfig("inner") },
    { cwd: "sub" },
  );
  assert.deepEqual(serverIds(result), ["inner"]);
});

test("the search stops at the project root (the folder with package.json)", async (t) => {
  const result = await loadFrom(
    t,
    { "mcpgw.config.yaml": yamlConfig("outside"), "project/package.json": "{}\n", "project/src/.keep": "" },
    { cwd: "project/src" },
  );
  assert.equal(result.loaded.configFile, undefined);
  assert.ok(result.loaded.config);
  assert.deepEqual(result.loaded.config.servers, []);
});

test("no config at all: defaults, no servers, every built-in plugin, and a log line saying how to add servers", async (t) => {
  const result = await loadFrom(t, { "src/.keep": "" }, { cwd: "src" });
  assert.equal(result.loaded.configFile, undefined);
  assert.deepEqual(result.loaded.issues, []);
  const config = result.loaded.config!;
  assert.equal(config.source.format, "none");
  assert.deepEqual(config.servers, []);
  assert.deepEqual(
    result.loaded.plugins.map((plugin) => `${plugin.name}:${plugin.status}`),
    [
      "process-runtime",
      "sse-runtime",
      "api-key-auth",
      "hot-reload",
      "stats",
      "tracing",
      "tool-filter",
      "cluster",
      "http-frontend",
      "stdio-frontend",
    ].map((id) => `${id}:enabled`),
  );
  assert.equal(config.settings.listen_addr, "127.0.0.1:4444");
  const hint = result.logs.records.find((record) => record.msg.startsWith("No config file found"));
  assert.ok(hint, result.logs.text());
  assert.match(hint.msg, /Add servers in mcpgw\.config\.yaml/);
  assert.match(hint.msg, /--config FILE/);
});

test("--config loads exactly the named file, whatever its name", async (t) => {
  const result = await loadFrom(
    t,
    { "mcpgw.config.yaml": yamlConfig("searched"), "conf/my-gateway.yaml": yamlConfig("named") },
    { configFile: "conf/my-gateway.yaml" },
  );
  assert.deepEqual(serverIds(result), ["named"]);
  const odd = await loadFrom(t, { "gateway.conf": yamlConfig("odd-ext") }, { configFile: "gateway.conf" });
  assert.deepEqual(serverIds(odd), ["odd-ext"]);
  const json = await loadFrom(t, { "settings.json": jsonConfig("json-named") }, { configFile: "settings.json" });
  assert.deepEqual(serverIds(json), ["json-named"]);
  const ts = await loadFrom(t, { "gw.config.mts": tsConfig("mts-named") }, { configFile: "gw.config.mts" });
  assert.deepEqual(serverIds(ts), ["mts-named"]);
});

test("--config with a missing file is an error naming it", async (t) => {
  const result = await loadFrom(t, {}, { configFile: "nope.yaml" });
  assert.equal(result.loaded.config, undefined);
  assert.deepEqual(errorsOf(result), [`nope.yaml: Config file not found: ${path.join(result.dir, "nope.yaml")}`]);
});

test("an empty config file is an empty config", async (t) => {
  const result = await loadFrom(t, { "empty.yaml": "" }, { configFile: "empty.yaml" });
  assert.deepEqual(errorsOf(result), []);
  assert.deepEqual(serverIds(result), []);
});

test("a config that is not a mapping is an error", async (t) => {
  const result = await loadFrom(t, { "list.yaml": "- a\n- b\n" }, { configFile: "list.yaml" });
  assert.deepEqual(errorsOf(result), ["list.yaml:1: The config must be a mapping of keys to values"]);
});

test("a JS config that throws is an error naming the file", async (t) => {
  const result = await loadFrom(t, {
    "package.json": '{ "type": "module" }',
    "mcpgw.config.js": 'throw new Error("boom from config");\n',
  });
  assert.equal(result.loaded.config, undefined);
  const [only, ...rest] = result.loaded.issues;
  assert.deepEqual(rest, []);
  assert.equal(only!.file, path.join(result.dir, "mcpgw.config.js"));
  assert.match(only!.message, /boom from config/);
});

test("JS and TS configs get ${VAR} substitution too", async (t) => {
  const result = await loadFrom(
    t,
    {
      "package.json": '{ "type": "module" }',
      "mcpgw.config.mjs":
        'export default { servers: [{ id: "subst", runtime: { type: "local-process", command: "${CMD}", args: ["${ARG:-dflt}"] } }] };\n',
    },
    { env: { CMD: "my-cmd" } },
  );
  assert.deepEqual(serverIds(result), ["subst"]);
  assert.deepEqual(result.loaded.config!.servers[0]!.runtime, {
    type: "local-process",
    command: "my-cmd",
    args: ["dflt"],
  });
});

test("JS and TS configs are read afresh on every load (a reload sees the edited file)", async (t) => {
  const { loadGateway } = await import("../../src/gateway/loadGateway.js");
  const { captureLogs } = await import("../helpers/logs.js");
  const { tempDir, writeFiles } = await import("../helpers/files.js");
  const { utimesSync } = await import("node:fs");
  for (const [file, content] of [
    ["gw.mjs", esmConfig],
    ["gw.cjs", cjsConfig],
    ["gw.ts", tsConfig],
  ] as const) {
    const dir = tempDir(t);
    writeFiles(dir, { "package.json": "{}\n", [file]: content("before") });
    const load = () =>
      loadGateway({
        cwd: dir,
        configFile: path.join(dir, file),
        env: {},
        mode: "inspect",
        logger: captureLogs().logger,
      });
    const first = await load();
    assert.deepEqual(first.issues, [], file);
    assert.deepEqual(
      first.config!.servers.map((server) => server.id),
      ["before"],
      file,
    );
    writeFiles(dir, { [file]: content("after") });
    // A later mtime even on file systems with coarse timestamps.
    utimesSync(path.join(dir, file), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(
      (await load()).config!.servers.map((server) => server.id),
      ["after"],
      file,
    );
  }
});

test("an empty config file found by the search is the config in use (empty), not 'no config'", async (t) => {
  const result = await loadFrom(t, { "mcpgw.config.yaml": "", "sub/.keep": "" }, { cwd: "sub" });
  assert.equal(result.loaded.configFile, path.join(result.dir, "mcpgw.config.yaml"));
  assert.deepEqual(result.loaded.issues, []);
  assert.deepEqual(serverIds(result), []);
  assert.ok(!result.logs.text().includes("No config file found"));
});

test("YAML anchors, aliases and << merge keys work; dates stay strings", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "servers:",
      "  - id: a",
      "    description: 2024-01-01",
      "    runtime: &proc { type: local-process, command: node, args: [a.js] }",
      "    tags: &tags [shared]",
      "  - id: b",
      "    runtime:",
      "      <<: *proc",
      "      args: [b.js]",
      "    tags: *tags",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), []);
  const [a, b] = result.loaded.config!.servers;
  assert.equal(a!.description, "2024-01-01");
  assert.deepEqual(b!.runtime, { type: "local-process", command: "node", args: ["b.js"] });
  assert.deepEqual(b!.tags, ["shared"]);
});

test("a byte-order mark at the start of a JSON or YAML file is ignored", async (t) => {
  const json = await loadFrom(t, { "mcpgw.config.json": `\uFEFF${jsonConfig("bom-json")}` });
  assert.deepEqual(serverIds(json), ["bom-json"]);
  const yaml = await loadFrom(t, { "mcpgw.config.yaml": `\uFEFF${yamlConfig("bom-yaml")}` });
  assert.deepEqual(serverIds(yaml), ["bom-yaml"]);
});
