import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { errorsOf, loadFrom, serverIds, warningsOf } from "./load.js";

const CFG = "mcpgw.config.yaml";

test("duplicate ids across servers, mcpServers and the catalog: each repeat is an error at its own file and line", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "catalog_path: catalog.yaml", // 1
      "servers:", // 2
      "  - id: dup", // 3
      "    runtime: { type: local-process, command: node }", // 4
      "  - id: dup", // 5
      "    runtime: { type: local-process, command: node }", // 6
      "mcpServers:", // 7
      "  dup: { command: node }", // 8
      "  solo: { command: node }", // 9
    ].join("\n"),
    "catalog.yaml": [
      "servers:",
      "  - id: solo",
      "    runtime: { type: local-process, command: node }",
      "  - id: dup",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:5 servers[1]: Duplicate server ID: dup",
    "mcpgw.config.yaml:8 mcpServers.dup: Duplicate server ID: dup",
    "catalog.yaml:2 servers[0]: Duplicate server ID: solo",
    "catalog.yaml:4 servers[1]: Duplicate server ID: dup",
  ]);
});

test("a duplicate id is reported even when the first entry has other problems", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: twice",
      "    runtime: { type: nope }",
      "  - id: twice",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 servers[0].runtime.type: Server 'twice' has unknown runtime type: nope (known: local-process, remote-sse; a plugin may provide it)",
    "mcpgw.config.yaml:4 servers[1]: Duplicate server ID: twice",
  ]);
});

test("a list entry without an id names its index (the original's wording)", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: first",
      "    runtime: { type: local-process, command: node }",
      "  - display_name: No id",
      "    runtime: { type: local-process, command: node }",
      '  - id: ""',
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:4 servers[1]: Server at index 1 missing required field: id",
    "mcpgw.config.yaml:6 servers[2]: Server at index 2 missing required field: id",
  ]);
});

test("an entry without a runtime (the original's wording)", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: ["servers:", "  - id: bare", "    description: nothing to run"].join("\n"),
  });
  assert.deepEqual(errorsOf(result), ["mcpgw.config.yaml:2 servers[0]: Server 'bare' missing required field: runtime"]);
});

test("a runtime without a type, or not a mapping", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: ["servers:", "  a:", "    runtime: { command: node }", "  b:", "    runtime: node"].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 servers.a.runtime: Server 'a' missing required field: runtime.type",
    "mcpgw.config.yaml:5 servers.b.runtime: Server 'b' runtime must be a mapping with a type",
  ]);
});

test("an unknown runtime type, with did-you-mean when one is close (the original's wording)", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: near",
      "    runtime:",
      "      type: remote-see",
      "      url: http://127.0.0.1:1/mcp",
      "  - id: far",
      "    runtime:",
      "      type: k8s-job",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:4 servers[0].runtime.type: Server 'near' has unknown runtime type: remote-see (did you mean 'remote-sse'?)",
    "mcpgw.config.yaml:8 servers[1].runtime.type: Server 'far' has unknown runtime type: k8s-job (known: local-process, remote-sse; a plugin may provide it)",
  ]);
});

test("a runtime type whose plugin is turned off is unknown", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "plugins:",
      "  process-runtime: false",
      "servers:",
      "  - id: p",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:5 servers[0].runtime.type: Server 'p' has unknown runtime type: local-process (known: remote-sse; a plugin may provide it)",
  ]);
});

test("bad server ids in servers:", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: My Server",
      "    runtime: { type: local-process, command: node }",
      "  - id: -dash",
      "    runtime: { type: local-process, command: node }",
      "  - id: 42",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  // (An mcpServers name is slugged instead: test/config/desktop.test.ts.)
  const hint = "(use lowercase letters, digits, '-' and '_', starting with a letter or digit)";
  assert.deepEqual(errorsOf(result), [
    `mcpgw.config.yaml:2 servers[0].id: Invalid server ID: My Server ${hint}`,
    `mcpgw.config.yaml:4 servers[1].id: Invalid server ID: -dash ${hint}`,
    `mcpgw.config.yaml:6 servers[2].id: Invalid server ID: 42 ${hint}`,
  ]);
});

test("a bad id does not hide the entry's other problems", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: Bad Id",
      "    runtime: { type: local-proces, command: node }",
      "    isolation: per-user",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:2 servers[0].id: Invalid server ID: Bad Id (use lowercase letters, digits, '-' and '_', starting with a letter or digit)",
    "mcpgw.config.yaml:3 servers[0].runtime.type: Server 'Bad Id' has unknown runtime type: local-proces (did you mean 'local-process'?)",
    'mcpgw.config.yaml:4 servers[0].isolation: Invalid option: expected one of "shared"|"session"',
  ]);
});

test("good ids: lowercase, digits, '-' and '_'", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      ...["a", "0", "my-server_2", "9lives"].map(
        (id) => `  - { id: "${id}", runtime: { type: local-process, command: node } }`,
      ),
    ].join("\n"),
  });
  assert.deepEqual(serverIds(result), ["a", "0", "my-server_2", "9lives"]);
});

test("unknown top-level keys are errors, with did-you-mean when one is close", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: ['listen_adress: "127.0.0.1:1"', "completely_unrelated: 1", "server:", "  - id: a", "mcpservers: {}"].join(
      "\n",
    ),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:1 listen_adress: Unknown key 'listen_adress' (did you mean 'listen_addr'?)",
    "mcpgw.config.yaml:2 completely_unrelated: Unknown key 'completely_unrelated'",
    "mcpgw.config.yaml:3 server: Unknown key 'server' (did you mean 'servers'?)",
    "mcpgw.config.yaml:5 mcpservers: Unknown key 'mcpservers' (did you mean 'mcpServers'?)",
  ]);
});

test("unknown server fields and runtime options are errors, with did-you-mean and synonyms (cwd -> working_dir)", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: a",
      "    tag: [x]",
      "    colour: red",
      "    runtime:",
      "      type: local-process",
      "      command: node",
      "      cwd: /tmp",
      "      arg: []",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 servers[0].tag: Unknown key 'tag' (did you mean 'tags'?)",
    "mcpgw.config.yaml:4 servers[0].colour: Unknown key 'colour'",
    "mcpgw.config.yaml:8 servers[0].runtime.cwd: Unknown key 'cwd' (did you mean 'working_dir'?)",
    "mcpgw.config.yaml:9 servers[0].runtime.arg: Unknown key 'arg' (did you mean 'args'?)",
  ]);
});

test("runtime option errors name the option and its line", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: nocmd", // 2
      "    runtime:",
      "      type: local-process",
      "      args: []", // 5
      "  - id: badargs", // 6
      "    runtime:",
      "      type: local-process",
      "      command: node",
      "      args: --flag", // 10
      "  - id: badurl", // 11
      "    runtime:",
      "      type: remote-sse",
      "      url: ftp://example.com/mcp", // 14
      "      headers:",
      "        X-Count: 3", // 16
      "      transport: websocket", // 17
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 servers[0].runtime.command: missing required field: command",
    "mcpgw.config.yaml:10 servers[1].runtime.args: Invalid input: expected array, received string",
    "mcpgw.config.yaml:14 servers[2].runtime.url: url must be an http:// or https:// URL of the server's MCP endpoint",
    "mcpgw.config.yaml:16 servers[2].runtime.headers.X-Count: Invalid input: expected string, received number",
    'mcpgw.config.yaml:17 servers[2].runtime.transport: Invalid option: expected one of "auto"|"streamable-http"|"sse"',
  ]);
});

test("server field value errors", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "servers:",
      "  - id: a",
      "    runtime: { type: local-process, command: node }",
      "    env: { LIST: [1] }", // 4
      "    isolation: per-user", // 5
      '    tool_prefix: "has space"', // 6
      "    idle_timeout_seconds: -5", // 7
      "    tags: red", // 8
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:4 servers[0].env.LIST: an env value is a string (numbers and booleans are turned into strings)",
    'mcpgw.config.yaml:5 servers[0].isolation: Invalid option: expected one of "shared"|"session"',
    "mcpgw.config.yaml:6 servers[0].tool_prefix: use letters, digits, '_' and '-'",
    "mcpgw.config.yaml:7 servers[0].idle_timeout_seconds: Too small: expected number to be >=0",
    "mcpgw.config.yaml:8 servers[0].tags: Invalid input: expected array, received string",
  ]);
});

test("core setting errors", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "idle_timeout_seconds: soon",
      "request_timeout_seconds: 0",
      "tool_name_separator: '::'",
      "log_level: loud",
      'listen_addr: "localhost"',
      "preset: everything",
      "start_timeout_seconds: 1.5",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:1 idle_timeout_seconds: Invalid input: expected number, received string",
    "mcpgw.config.yaml:2 request_timeout_seconds: Too small: expected number to be >=1",
    "mcpgw.config.yaml:3 tool_name_separator: use 1 to 8 of A-Z a-z 0-9 _ -",
    'mcpgw.config.yaml:4 log_level: Invalid option: expected one of "trace"|"debug"|"info"|"warn"|"warning"|"error"|"fatal"|"silent"|"off"',
    "mcpgw.config.yaml:5 listen_addr: listen_addr must be HOST:PORT, for example 127.0.0.1:4444 or [::1]:4444",
    "mcpgw.config.yaml:6 preset: Unknown preset 'everything': use 'default' (every built-in plugin) or 'none' (an empty kernel)",
    "mcpgw.config.yaml:7 start_timeout_seconds: Invalid input: expected int, received number",
  ]);
});

test("an unset variable is an error naming file, key path and line; the value of a set one never appears in messages", async (t) => {
  const secret = "short-secret";
  const result = await loadFrom(
    t,
    {
      [CFG]: [
        'api_key: "${MCP_GATEWAY_API_KEY}"', // 1
        "api_keys:",
        '  - { name: ci, key: "${SECRET}" }', // 3
        "servers:",
        "  - id: a",
        "    runtime:",
        "      type: remote-sse",
        "      url: http://127.0.0.1:1/mcp",
        "      headers:",
        '        Authorization: "Bearer ${REMOTE_TOKEN}"', // 10
      ].join("\n"),
    },
    { env: { SECRET: secret } },
  );
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:1 api_key: Environment variable 'MCP_GATEWAY_API_KEY' is not set; set it or write ${MCP_GATEWAY_API_KEY:-default}",
    "mcpgw.config.yaml:3 api_keys[0].key: a key must be at least 16 characters",
  ]);
  assert.deepEqual(warningsOf(result), [
    "mcpgw.config.yaml:10 servers[0].runtime.headers.Authorization: warning: Environment variable 'REMOTE_TOKEN' is not set: this server is unavailable until it is set (or write ${REMOTE_TOKEN:-default})",
  ]);
  assert.ok(!JSON.stringify(result.loaded.issues).includes(secret));
  assert.ok(!result.logs.text().includes(secret));
});

test("an empty api_key (a :- default while the variable is unset) turns auth off without an error", async (t) => {
  const result = await loadFrom(t, { [CFG]: 'api_key: "${MCP_GATEWAY_API_KEY:-}"\n' });
  assert.deepEqual(errorsOf(result), []);
  assert.equal(result.loaded.config!.settings.api_key, undefined);
  const withKey = await loadFrom(
    t,
    { [CFG]: 'api_key: "${MCP_GATEWAY_API_KEY:-}"\n' },
    { env: { MCP_GATEWAY_API_KEY: "k-123" } },
  );
  assert.equal(withKey.loaded.config!.settings.api_key, "k-123");
});

test("keys of a built-in plugin that is turned off are ignored with a warning, not an error", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "plugins:",
      "  http-frontend: false",
      "  hot-reload: false",
      'listen_addr: "127.0.0.1:9"',
      "cors_origins: []",
      "hot_reload: true",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), []);
  assert.deepEqual(warningsOf(result), [
    "mcpgw.config.yaml:4 listen_addr: warning: 'listen_addr' is ignored: its plugin 'http-frontend' is not enabled",
    "mcpgw.config.yaml:5 cors_origins: warning: 'cors_origins' is ignored: its plugin 'http-frontend' is not enabled",
    "mcpgw.config.yaml:6 hot_reload: warning: 'hot_reload' is ignored: its plugin 'hot-reload' is not enabled",
  ]);
  const preset = await loadFrom(t, { [CFG]: ["preset: none", "api_key: x"].join("\n") });
  assert.deepEqual(warningsOf(preset), [
    "mcpgw.config.yaml:2 api_key: warning: 'api_key' is ignored: its plugin 'api-key-auth' is not enabled",
  ]);
});

test("unknown keys in the catalog are errors at the catalog's line", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: "catalog_path: catalog.yaml\n",
    "catalog.yaml": ["version: 1", "server:", "  - id: a", "servers: []"].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "catalog.yaml:1 version: Unknown key 'version' in the catalog: a catalog holds only servers",
    "catalog.yaml:2 server: Unknown key 'server' in the catalog: a catalog holds only servers (did you mean 'servers'?)",
  ]);
});

test("a catalog that is not found is an error at catalog_path's line", async (t) => {
  const result = await loadFrom(t, { [CFG]: "log_level: info\ncatalog_path: ./missing/catalog.yaml\n" });
  assert.deepEqual(errorsOf(result), [
    `mcpgw.config.yaml:2 catalog_path: Catalog file not found: ${path.join(result.dir, "missing", "catalog.yaml")}`,
  ]);
});

test("problems inside the catalog name the catalog file and its lines, env included", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: "catalog_path: catalog.yaml\n",
    "catalog.yaml": [
      "servers:",
      "  - id: a",
      "    runtime:",
      "      type: local-process",
      '      command: "${CATALOG_CMD}"',
      "  - runtime: { type: local-process, command: x }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), ["catalog.yaml:6 servers[1]: Server at index 1 missing required field: id"]);
  assert.deepEqual(warningsOf(result), [
    "catalog.yaml:5 servers[0].runtime.command: warning: Environment variable 'CATALOG_CMD' is not set: this server is unavailable until it is set (or write ${CATALOG_CMD:-default})",
  ]);
});

test("a YAML syntax error names line and column", async (t) => {
  const result = await loadFrom(t, { [CFG]: ["servers:", "  - id: a", "    runtime: [", ""].join("\n") });
  assert.equal(result.loaded.config, undefined);
  assert.equal(result.loaded.issues.length, 1);
  const issue = result.loaded.issues[0]!;
  assert.equal(issue.file, path.join(result.dir, CFG));
  assert.equal(issue.line, 4);
  assert.equal(issue.column, 1);
  assert.equal(issue.message, "Flow sequence in block collection must be sufficiently indented and end with a ]");
  const tabs = await loadFrom(t, { [CFG]: "servers:\n  - id: a\n\t runtime: x\n" });
  assert.equal(tabs.loaded.issues[0]!.line, 3);
  const dupKeys = await loadFrom(t, { [CFG]: "log_level: info\nlog_level: debug\n" });
  assert.deepEqual(errorsOf(dupKeys), ["mcpgw.config.yaml:2: Map keys must be unique"]);
});

test("a YAML syntax error in the catalog names the catalog", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: "catalog_path: catalog.yaml\n",
    "catalog.yaml": "servers:\n  - id: a\n   - id: b\n",
  });
  assert.equal(result.loaded.issues.length, 1);
  assert.equal(result.loaded.issues[0]!.file, path.join(result.dir, "catalog.yaml"));
  assert.equal(result.loaded.issues[0]!.line, 3);
});

test("a JSON syntax error names the line", async (t) => {
  const result = await loadFrom(t, { "mcpgw.config.json": '{\n  "servers": [\n    { "id": "a", }\n  ]\n}\n' });
  assert.deepEqual(errorsOf(result), ["mcpgw.config.json:3: Invalid JSON: Expected double-quoted property name"]);
  assert.equal(result.loaded.issues[0]!.column, 18);
  const truncated = await loadFrom(t, { "mcpgw.config.json": '{\n  "servers": [\n' });
  assert.deepEqual(errorsOf(truncated), ["mcpgw.config.json:2: Invalid JSON: Unexpected end of JSON input"]);
});

test("JSON configs get lines for validation errors too", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.json":
      '{\n  "servers": {\n    "a": {\n      "runtime": { "type": "local-proces", "command": "x" }\n    }\n  }\n}\n',
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.json:4 servers.a.runtime.type: Server 'a' has unknown runtime type: local-proces (did you mean 'local-process'?)",
  ]);
});

test("every problem is reported, not only the first", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "bogus: 1",
      "servers:",
      "  - id: Bad",
      "    runtime: { type: local-process, command: x }",
      "  - runtime: { type: local-process, command: x }",
      "  - id: ok",
      "    runtime: { type: nope }",
    ].join("\n"),
  });
  assert.equal(errorsOf(result).length, 4);
  assert.ok(result.loaded.issues.every((issue) => issue.line !== undefined));
});

test("$schema is allowed (for editors) and ignored", async (t) => {
  const result = await loadFrom(t, { "mcpgw.config.json": '{ "$schema": "./mcpgw.schema.json", "servers": [] }' });
  assert.deepEqual(errorsOf(result), []);
});

test("preset: none loads only the listed plugins; their runtime types are the only ones", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "preset: none",
      "plugins:",
      "  sse-runtime: {}",
      "servers:",
      "  - { id: r, runtime: { type: remote-sse, url: http://127.0.0.1:1/mcp } }",
      "  - { id: p, runtime: { type: local-process, command: node } }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:6 servers[1].runtime.type: Server 'p' has unknown runtime type: local-process (known: remote-sse; a plugin may provide it)",
  ]);
  assert.deepEqual(
    result.loaded.plugins.map((plugin) => plugin.name),
    ["sse-runtime"],
  );
});

test("plugin options are checked by the plugin's schema, at plugins.<name>.<option>", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: ["plugins:", "  hot-reload:", "    debounce: 5", "  http-frontend: { max_sessions: 0 }", "  stats: 3"].join(
      "\n",
    ),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 plugins.hot-reload.debounce: Unknown key 'debounce' (did you mean 'debounce_ms'?)",
    "mcpgw.config.yaml:4 plugins.http-frontend.max_sessions: Too small: expected number to be >=1",
    "mcpgw.config.yaml:5 plugins.stats: Plugin 'stats' takes a map of options, true, or false to turn it off",
  ]);
});

test("a value left with an unresolved ${VAR} gets only the substitution problem, not follow-on schema errors", async (t) => {
  const result = await loadFrom(t, {
    [CFG]: [
      "catalog_path: catalog.yaml",
      "servers:",
      '  - id: "${SERVER_ID}"', // 3
      "    runtime: { type: local-process, command: node }",
      "  - id: web",
      '    runtime: { type: remote-sse, url: "${WEB_URL}" }', // 6
      "mcpServers:",
      '  desk: { url: "${DESK_URL}" }', // 8
      '  other: { url: "not a url" }', // 9: a real error stays
    ].join("\n"),
    "catalog.yaml": ["servers:", "  - id: cat", '    runtime: { type: remote-sse, url: "${CAT_URL}" }'].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 servers[0].id: Environment variable 'SERVER_ID' is not set; set it or write ${SERVER_ID:-default}",
    "mcpgw.config.yaml:9 mcpServers.other.runtime.url: url must be an http:// or https:// URL of the server's MCP endpoint",
  ]);
  // Inside one server's entry an unset variable makes that server unavailable (a warning).
  assert.deepEqual(
    warningsOf(result).map((line) => line.replace(/: warning: .*/, "")),
    [
      "mcpgw.config.yaml:6 servers[1].runtime.url",
      "mcpgw.config.yaml:8 mcpServers.desk.url",
      "catalog.yaml:3 servers[0].runtime.url",
    ],
  );
});
