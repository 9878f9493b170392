import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DEFAULT_BUNDLE } from "../../src/gateway/builtins.js";
import { USAGE } from "../../src/cli/args.js";
import { runCli } from "../../src/cli/main.js";
import { repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { captureIo } from "./io.js";

const VERSION = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

const BROKEN = [
  "listen_adr: 127.0.0.1:1", // 1
  "servers:", // 2
  "  - id: Bad_Id", // 3
  "    runtime: { type: local-process, command: node }", // 4
  "  - id: ok", // 5
  "    runtime:", // 6
  "      type: local-proces", // 7
  "      command: node", // 8
  '  - id: "${UNSET_FOR_TEST}x"', // 9
  "mcpServers:", // 10
  "  ok: { command: node }", // 11
].join("\n");

const VALID = [
  "servers:",
  "  - id: alpha",
  "    tags: [demo, fast]",
  "    runtime: { type: local-process, command: node }",
  "mcpServers:",
  "  beta: { url: http://127.0.0.1:9/mcp }",
].join("\n");

function project(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const dir = tempDir(t);
  writeFiles(dir, { "package.json": "{}\n", ...files });
  return dir;
}

test("--version prints the package version on stdout and exits 0", async (t) => {
  for (const flag of ["--version", "-V"]) {
    const io = captureIo(project(t, {}));
    assert.equal(await runCli([flag], "serve", io), 0);
    assert.equal(io.out(), `${VERSION}\n`);
    assert.equal(io.err(), "");
  }
});

test("--help, -h and `help` print the usage on stdout and exit 0, for any command", async (t) => {
  for (const argv of [["--help"], ["-h"], ["help"], ["validate", "--help"], ["stdio", "-h"]]) {
    const io = captureIo(project(t, {}));
    assert.equal(await runCli(argv, "serve", io), 0, argv.join(" "));
    assert.equal(io.out(), USAGE);
    assert.equal(io.err(), "");
  }
  assert.match(
    USAGE,
    /mcpgw \[serve\]  \[--config FILE\] \[--listen-addr HOST:PORT\] \[--log-level LEVEL\] \[--catalog FILE\] \[--validate\]/,
  );
  assert.match(USAGE, /Exit codes: 0 fine, 1 configuration or runtime failure, 2 usage error\./);
});

test("usage errors exit 2 with the reason and the usage on stderr, nothing on stdout", async (t) => {
  const cases: Array<[string[], string]> = [
    [["bogus"], "mcpgw: Unknown command 'bogus'; commands: serve, stdio, validate, plugins, servers, reload"],
    [["validate", "extra"], "mcpgw: Unexpected argument 'extra'"],
    [["--no-such-flag"], "mcpgw: Unknown option '--no-such-flag'"],
    [["validate", "--listen-addr", "127.0.0.1:1"], "mcpgw: Option --listen-addr does not apply to 'validate'"],
    [["servers", "--validate"], "mcpgw: Option --validate does not apply to 'servers'"],
    [["plugins", "--catalog", "c.yaml"], "mcpgw: Option --catalog does not apply to 'plugins'"],
    [["serve", "--server", "x"], "mcpgw: Option --server does not apply to 'serve'"],
    [["stdio", "--api-key", "k"], "mcpgw: --api-key goes with --gateway URL"],
    [["--log-level", "loud"], "mcpgw: Unknown log level 'loud'; use trace, debug, info, warn, error, fatal or silent"],
    [
      ["--listen-addr", "4444"],
      "mcpgw: --listen-addr takes HOST:PORT (for example 127.0.0.1:4444 or [::1]:4444), not '4444'",
    ],
    [
      ["--listen-addr", "127.0.0.1:70000"],
      "mcpgw: --listen-addr takes HOST:PORT (for example 127.0.0.1:4444 or [::1]:4444), not '127.0.0.1:70000'",
    ],
    [["validate", "--config"], "mcpgw: --config needs a value"],
    [["serve", "--config", "--listen-addr", "127.0.0.1:0"], "mcpgw: --config needs a value"],
    [["validate", "--config", ""], "mcpgw: --config needs a value"],
  ];
  for (const [argv, message] of cases) {
    const io = captureIo(project(t, {}));
    assert.equal(await runCli(argv, "serve", io), 2, argv.join(" "));
    assert.equal(io.out(), "", argv.join(" "));
    assert.ok(io.err().startsWith(message), `${argv.join(" ")}: ${io.err().split("\n")[0]}`);
    assert.ok(io.err().endsWith(USAGE), argv.join(" "));
  }
});

test("validate on a broken config prints every problem with file:line:col and key path, sorted by line, and exits 1", async (t) => {
  const dir = project(t, { "mcpgw.config.yaml": BROKEN });
  const io = captureIo(dir);
  assert.equal(await runCli(["validate"], "serve", io), 1);
  assert.equal(io.out(), "");
  assert.equal(
    io.err(),
    [
      "mcpgw.config.yaml:1:1 listen_adr: Unknown key 'listen_adr' (did you mean 'listen_addr'?)",
      "mcpgw.config.yaml:3:5 servers[0].id: Invalid server ID: Bad_Id (use lowercase letters, digits, '-' and '_', starting with a letter or digit)",
      "mcpgw.config.yaml:7:7 servers[1].runtime.type: Server 'ok' has unknown runtime type: local-proces (did you mean 'local-process'?)",
      "mcpgw.config.yaml:9:5 servers[2].id: Environment variable 'UNSET_FOR_TEST' is not set; set it or write ${UNSET_FOR_TEST:-default}",
      "mcpgw.config.yaml:9:5 servers[2]: Server '${UNSET_FOR_TEST}x' missing required field: runtime",
      "mcpgw.config.yaml:11:3 mcpServers.ok: Duplicate server ID: ok",
      "6 problems in mcpgw.config.yaml",
      "",
    ].join("\n"),
  );
});

test("validate --json prints the problems as JSON on stdout", async (t) => {
  const dir = project(t, { "mcpgw.config.yaml": BROKEN });
  const io = captureIo(dir);
  assert.equal(await runCli(["validate", "--json"], "serve", io), 1);
  assert.equal(io.err(), "");
  const report = JSON.parse(io.out()) as {
    valid: boolean;
    file: string;
    issues: Array<{
      severity: string;
      line: number;
      column: number;
      key: string;
      path: unknown[];
      message: string;
      file: string;
    }>;
  };
  assert.equal(report.valid, false);
  assert.equal(report.file, path.join(dir, "mcpgw.config.yaml"));
  assert.deepEqual(
    report.issues.map((issue) => `${issue.line} ${issue.key}`),
    [
      "1 listen_adr",
      "3 servers[0].id",
      "7 servers[1].runtime.type",
      "9 servers[2].id",
      "9 servers[2]",
      "11 mcpServers.ok",
    ],
  );
  assert.deepEqual(report.issues[2]!.path, ["servers", 1, "runtime", "type"]);
  assert.equal(report.issues[0]!.file, path.join(dir, "mcpgw.config.yaml"));
  const valid = captureIo(project(t, { "mcpgw.config.yaml": VALID }));
  assert.equal(await runCli(["validate", "--json"], "serve", valid), 0);
  assert.deepEqual(JSON.parse(valid.out()).issues, []);
  assert.equal(JSON.parse(valid.out()).valid, true);
});

test("validate on a valid config exits 0 and says so on stdout; warnings go to stderr", async (t) => {
  const dir = project(t, { "gw/config.yaml": `${VALID}\nplugins: { hot-reload: false }\nhot_reload: false\n` });
  const io = captureIo(dir);
  assert.equal(await runCli(["validate", "--config", "gw/config.yaml"], "serve", io), 0);
  assert.equal(
    io.out(),
    `Configuration is valid: ${path.join(dir, "gw/config.yaml")}, 2 servers, ${DEFAULT_BUNDLE.length - 1} plugins\n`,
  );
  assert.equal(
    io.err(),
    "gw/config.yaml:8:1 hot_reload: warning: 'hot_reload' is ignored: its plugin 'hot-reload' is not enabled\n",
  );
});

test("validate with no config at all is valid (defaults)", async (t) => {
  const io = captureIo(project(t, {}));
  assert.equal(await runCli(["validate"], "serve", io), 0);
  assert.equal(
    io.out(),
    `Configuration is valid: no config file (defaults), 0 servers, ${DEFAULT_BUNDLE.length} plugins\n`,
  );
});

test("validate names a config file it could not read", async (t) => {
  const dir = project(t, {});
  const io = captureIo(dir);
  assert.equal(await runCli(["validate", "--config", "missing.yaml"], "serve", io), 1);
  assert.equal(
    io.err(),
    `missing.yaml: Config file not found: ${path.join(dir, "missing.yaml")}\n1 problem in missing.yaml\n`,
  );
  const syntax = captureIo(project(t, { "bad.yaml": "a: [\n" }));
  assert.equal(await runCli(["validate", "--config", "bad.yaml"], "serve", syntax), 1);
  assert.equal(
    syntax.err(),
    "bad.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]\n1 problem in bad.yaml\n",
  );
});

test("serve --validate is validate (the original's flag)", async (t) => {
  const dir = project(t, { "mcpgw.config.yaml": BROKEN });
  const io = captureIo(dir);
  assert.equal(await runCli(["--validate"], "serve", io), 1);
  assert.match(io.err(), /6 problems in mcpgw\.config\.yaml\n$/);
  const ok = captureIo(project(t, { "mcpgw.config.yaml": VALID }));
  assert.equal(await runCli(["serve", "--validate"], "serve", ok), 0);
  assert.match(ok.out(), /^Configuration is valid: /);
});

test("validate --catalog checks the catalog given on the command line (relative to the working directory)", async (t) => {
  const dir = project(t, { "cats/c.yaml": "servers:\n  - id: x\n" });
  const io = captureIo(path.join(dir, "cats"));
  assert.equal(await runCli(["validate", "--catalog", "c.yaml"], "serve", io), 1);
  assert.equal(io.err(), "c.yaml:2:5 servers[0]: Server 'x' missing required field: runtime\n1 problem in c.yaml\n");
});

test("servers prints id, runtime type and tags; --json prints the definitions without env values", async (t) => {
  const dir = project(t, {
    "mcpgw.config.yaml": `${VALID.replace("tags: [demo, fast]", "tags: [demo, fast]\n    env: { SECRET_TOKEN: hunter2 }")}`,
  });
  const io = captureIo(dir);
  assert.equal(await runCli(["servers"], "serve", io), 0);
  assert.equal(
    io.out(),
    ["ID     RUNTIME        TAGS", "alpha  local-process  demo, fast", "beta   remote-sse", ""].join("\n"),
  );
  assert.equal(io.err(), "");
  const json = captureIo(dir);
  assert.equal(await runCli(["servers", "--json"], "serve", json), 0);
  const servers = JSON.parse(json.out()) as Array<Record<string, unknown>>;
  assert.deepEqual(
    servers.map((server) => [server.id, (server.runtime as { type: string }).type, server.env]),
    [
      ["alpha", "local-process", ["SECRET_TOKEN"]],
      ["beta", "remote-sse", []],
    ],
  );
  assert.ok(!json.out().includes("hunter2"));
  const empty = captureIo(project(t, {}));
  assert.equal(await runCli(["servers"], "serve", empty), 0);
  assert.equal(empty.out(), "(none)\n");
});

test("servers on a broken config exits 1 with the problems on stderr", async (t) => {
  const io = captureIo(project(t, { "mcpgw.config.yaml": BROKEN }));
  assert.equal(await runCli(["servers"], "serve", io), 1);
  assert.equal(io.out(), "");
  assert.match(io.err(), /^mcpgw\.config\.yaml:1:1 listen_adr: Unknown key/);
});

test("plugins prints id, version, where from and status; --json the records", async (t) => {
  const dir = project(t, { "mcpgw.config.yaml": "plugins:\n  stats: false\n" });
  const io = captureIo(dir);
  assert.equal(await runCli(["plugins"], "serve", io), 0);
  const v = VERSION.padEnd("VERSION".length);
  assert.equal(
    io.out(),
    [
      `ID               ${"VERSION".padEnd(VERSION.length)}  FROM     STATUS`,
      `process-runtime  ${v}  builtin  enabled`,
      `sse-runtime      ${v}  builtin  enabled`,
      `api-key-auth     ${v}  builtin  enabled`,
      `hot-reload       ${v}  builtin  enabled`,
      `stats            ${v}  builtin  disabled`,
      `tracing          ${v}  builtin  enabled`,
      `tool-filter      ${v}  builtin  enabled`,
      `cluster          ${v}  builtin  enabled`,
      `http-frontend    ${v}  builtin  enabled`,
      `stdio-frontend   ${v}  builtin  enabled`,
      "",
    ].join("\n"),
  );
  assert.equal(io.err(), "");
  const json = captureIo(dir);
  assert.equal(await runCli(["plugins", "--json"], "serve", json), 0);
  const records = JSON.parse(json.out()) as Array<{
    specifier: string;
    source: string;
    version: string;
    status: string;
  }>;
  assert.deepEqual(
    records.map((record) => `${record.specifier} ${record.source} ${record.version} ${record.status}`).slice(3, 5),
    [`hot-reload builtin ${VERSION} enabled`, `stats builtin ${VERSION} disabled`],
  );
});

test("plugins shows a file plugin's version from its meta, and none for a plugin without one", async (t) => {
  const plugin = (name: string, meta: string) => `export default () => ({ name: "${name}", ${meta} apply() {} });\n`;
  const dir = project(t, {
    "mcpgw.config.yaml": "preset: none\nplugins:\n  ./versioned.js: {}\n  ./bare.js: {}\n",
    "versioned.js": plugin("versioned", 'meta: { name: "versioned", version: "0.9.1" },'),
    "bare.js": plugin("bare", ""),
  });
  const io = captureIo(dir);
  assert.equal(await runCli(["plugins"], "serve", io), 0, io.err());
  const rows = io
    .out()
    .trim()
    .split("\n")
    .map((line) => line.split(/\s{2,}/));
  assert.deepEqual(rows, [
    ["ID", "VERSION", "FROM", "STATUS"],
    ["versioned", "0.9.1", `file ${path.join(dir, "versioned.js")}`, "enabled"],
    ["bare", "-", `file ${path.join(dir, "bare.js")}`, "enabled"],
  ]);
  const json = captureIo(dir);
  assert.equal(await runCli(["plugins", "--json"], "serve", json), 0);
  assert.deepEqual(
    (JSON.parse(json.out()) as Array<{ version?: string }>).map((record) => record.version),
    ["0.9.1", undefined],
  );
});

test("plugins shows a plugin that cannot be found as failed, and exits 1", async (t) => {
  const io = captureIo(project(t, { "mcpgw.config.yaml": "plugins:\n  no-such-thing: {}\n" }));
  assert.equal(await runCli(["plugins"], "serve", io), 1);
  assert.match(io.out(), /\nno-such-thing +- +unresolved +failed: Plugin 'no-such-thing' not found/);
  assert.match(io.err(), /^mcpgw\.config\.yaml:2:3 plugins\.no-such-thing: Plugin 'no-such-thing' not found/);
});

test("inspect commands log only errors unless LOG_LEVEL or --log-level asks for more", async (t) => {
  const dir = project(t, { "mcpgw.config.yaml": 'api_key: "0123456789abcdef"\n' });
  const quiet = captureIo(dir);
  assert.equal(await runCli(["validate"], "serve", quiet), 0);
  assert.equal(quiet.err(), "");
  const loud = captureIo(dir, { LOG_LEVEL: "info" });
  assert.equal(await runCli(["validate"], "serve", loud), 0);
  assert.match(loud.err(), /"msg":"API key auth on \(1 key\)"/);
  assert.ok(!loud.err().includes("0123456789abcdef"));
  const flag = captureIo(dir);
  assert.equal(await runCli(["validate", "--log-level", "info"], "serve", flag), 0);
  assert.match(flag.err(), /"msg":"API key auth on \(1 key\)"/);
});
