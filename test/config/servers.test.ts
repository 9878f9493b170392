import "reflect-metadata";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadGateway } from "../../src/gateway/loadGateway.js";
import { repoRoot, tempDir } from "../helpers/files.js";
import { captureLogs } from "../helpers/logs.js";
import { errorsOf, loadFrom, serverIds, warningsOf } from "./load.js";

const ORIGINAL = path.join(repoRoot, "test", "fixtures", "original");
const ORIGINAL_ENV = {
  MCP_GATEWAY_API_KEY: "gw-key-0123456789",
  DATABASE_URL: "postgres://db/app",
  PGPASSWORD: "pg-pass",
  REMOTE_TOKEN: "remote-token",
};

/** Strips `origin` (checked separately) so definitions compare as plain data. */
function plain(servers: readonly { origin: unknown }[]) {
  return servers.map(({ origin: _origin, ...rest }) => rest);
}

test("the original's config.yaml + catalog.yaml pair loads unchanged", async (t) => {
  const dir = tempDir(t);
  cpSync(ORIGINAL, dir, { recursive: true });
  const logs = captureLogs();
  // Loaded from elsewhere: catalog_path is relative to the config file, not to the working directory.
  const loaded = await loadGateway({
    cwd: os.tmpdir(),
    configFile: path.join(dir, "config.yaml"),
    env: ORIGINAL_ENV,
    mode: "inspect",
    logger: logs.logger,
  });
  // Only that this machine has no /var/lib/mcp, the postgres server's working_dir.
  assert.deepEqual(
    loaded.issues.map((issue) => [issue.severity, issue.message]),
    [["warning", "Server 'postgres': working_dir /var/lib/mcp does not exist"]],
  );
  const config = loaded.config!;
  assert.equal(config.source.format, "yaml");
  assert.equal(config.catalog!.filepath, path.join(dir, "catalog.yaml"));
  const settings = config.settings;
  assert.equal(settings.listen_addr, "0.0.0.0:4444");
  assert.equal(settings.log_level, "info");
  assert.equal(settings.api_key, "gw-key-0123456789");
  assert.equal(settings.idle_timeout_seconds, 300);
  assert.equal(settings.health_check_interval_seconds, 30);
  assert.equal(settings.max_connections_per_server, 10);
  assert.equal(settings.request_timeout_seconds, 30);
  assert.equal(settings.start_timeout_seconds, 60);
  assert.equal(settings.cors_enabled, true);
  assert.deepEqual(settings.cors_origins, ["*"]);
  assert.equal(settings.catalog_path, "catalog.yaml");
  assert.deepEqual(plain(config.servers), [
    {
      id: "filesystem",
      display_name: "Filesystem",
      description: "Read and write files under /tmp",
      tags: ["files", "local"],
      runtime: {
        type: "local-process",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
      },
      env: {},
      isolation: "shared",
      tool_prefix: "filesystem",
      autostart: false,
    },
    {
      id: "postgres",
      display_name: "PostgreSQL",
      tags: ["database"],
      runtime: {
        type: "local-process",
        command: "/usr/local/bin/mcp-postgres",
        args: ["--connection", "postgres://db/app"],
        working_dir: "/var/lib/mcp",
      },
      env: { PGPASSWORD: "pg-pass", LOG_LEVEL: "debug" },
      isolation: "shared",
      tool_prefix: "postgres",
      autostart: false,
    },
    {
      id: "remote-tools",
      display_name: "remote-tools",
      tags: [],
      runtime: {
        type: "remote-sse",
        url: "https://mcp.example.com/sse",
        headers: { Authorization: "Bearer remote-token" },
        transport: "auto",
        protocol_era: "auto",
        connect_timeout_seconds: 10,
      },
      env: {},
      isolation: "session",
      tool_prefix: "remote-tools",
      autostart: false,
    },
    {
      id: "minimal",
      display_name: "minimal",
      tags: [],
      runtime: { type: "local-process", command: "node", args: [] },
      env: {},
      isolation: "shared",
      tool_prefix: "minimal",
      autostart: false,
    },
  ]);
  assert.deepEqual(config.servers[1]!.origin, { file: path.join(dir, "catalog.yaml"), path: ["servers", 1], dir });
  assert.ok(!logs.text().includes("gw-key-0123456789"));
});

test("the original pair without its variables set: the gateway's is an error, each server's a warning at its line", async (t) => {
  const dir = tempDir(t);
  cpSync(ORIGINAL, dir, { recursive: true });
  const loaded = await loadGateway({
    cwd: dir,
    configFile: path.join(dir, "config.yaml"),
    env: {},
    mode: "inspect",
    logger: captureLogs().logger,
  });
  assert.equal(loaded.config, undefined);
  assert.deepEqual(errorsOf({ dir, loaded, logs: captureLogs() }), [
    "config.yaml:4 api_key: Environment variable 'MCP_GATEWAY_API_KEY' is not set; set it or write ${MCP_GATEWAY_API_KEY:-default}",
  ]);
  const unavailable = "this server is unavailable until it is set";
  assert.deepEqual(warningsOf({ dir, loaded, logs: captureLogs() }), [
    `catalog.yaml:18 servers[1].runtime.args[1]: warning: Environment variable 'DATABASE_URL' is not set: ${unavailable} (or write \${DATABASE_URL:-default})`,
    `catalog.yaml:21 servers[1].env.PGPASSWORD: warning: Environment variable 'PGPASSWORD' is not set: ${unavailable} (or write \${PGPASSWORD:-default})`,
    `catalog.yaml:30 servers[2].runtime.headers.Authorization: warning: Environment variable 'REMOTE_TOKEN' is not set: ${unavailable} (or write \${REMOTE_TOKEN:-default})`,
  ]);
});

test("servers as a map of id to entry", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "servers:",
      "  alpha:",
      "    runtime: { type: local-process, command: node }",
      "  beta:",
      "    tags: [x]",
      "    runtime: { type: remote-sse, url: http://127.0.0.1:9/mcp }",
    ].join("\n"),
  });
  assert.deepEqual(serverIds(result), ["alpha", "beta"]);
  assert.deepEqual(result.loaded.config!.servers[1]!.tags, ["x"]);
  assert.deepEqual(result.loaded.config!.servers[0]!.origin.path, ["servers", "alpha"]);
});

test("in the map form an id field that differs from the key is an error", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "servers:",
      "  alpha:",
      "    id: beta",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:3 servers.alpha.id: Server 'alpha' has id 'beta'; in the map form the key is the id, so drop the id field",
  ]);
  const same = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "servers:",
      "  alpha:",
      "    id: alpha",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(serverIds(same), ["alpha"]);
});

test("servers that is neither a list nor a map is an error", async (t) => {
  const result = await loadFrom(t, { "mcpgw.config.yaml": "servers: everything\n" });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:1 servers: servers must be a list of server entries or a map of id to entry",
  ]);
  const entry = await loadFrom(t, { "mcpgw.config.yaml": "servers:\n  - just-a-string\n" });
  assert.deepEqual(errorsOf(entry), ["mcpgw.config.yaml:2 servers[0]: Server at index 0 must be a mapping of fields"]);
});

test("every server field is read into the normalised model", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "servers:",
      "  - id: full",
      "    display_name: Full entry",
      "    description: Every field",
      "    tags: [a, b]",
      "    runtime:",
      "      type: local-process",
      "      command: node",
      '      args: ["server.js", "--port", "0"]',
      "      working_dir: ./srv",
      "    env: { NUM: 3, FLAG: true, TEXT: hi }",
      "    idle_timeout_seconds: 0",
      "    request_timeout_seconds: 5",
      "    start_timeout_seconds: 120",
      "    isolation: session",
      "    tool_prefix: Full_1",
      "    autostart: true",
    ].join("\n"),
  });
  assert.deepEqual(plain(result.loaded.config!.servers), [
    {
      id: "full",
      display_name: "Full entry",
      description: "Every field",
      tags: ["a", "b"],
      runtime: { type: "local-process", command: "node", args: ["server.js", "--port", "0"], working_dir: "./srv" },
      env: { NUM: "3", FLAG: "true", TEXT: "hi" },
      idle_timeout_seconds: 0,
      request_timeout_seconds: 5,
      start_timeout_seconds: 120,
      isolation: "session",
      tool_prefix: "Full_1",
      autostart: true,
    },
  ]);
  assert.deepEqual(result.loaded.config!.servers[0]!.origin, {
    file: path.join(result.dir, "mcpgw.config.yaml"),
    path: ["servers", 0],
    dir: result.dir,
  });
});

test("mcpServers (Claude Desktop format): command entries become local-process, url entries remote-sse", async (t) => {
  const result = await loadFrom(
    t,
    {
      "mcpgw.config.yaml": [
        "mcpServers:",
        "  memory:",
        "    command: npx",
        '    args: ["-y", "@modelcontextprotocol/server-memory"]',
        '    env: { MEMORY_FILE: "${HOME_DIR}/memory.json" }',
        "    cwd: /srv/memory",
        "  web: { url: https://example.com/mcp, headers: { Authorization: Bearer x } }",
        "  legacy: { type: sse, url: http://127.0.0.1:3001/sse }",
        "  streamable: { type: http, url: http://127.0.0.1:3001/mcp }",
        "  stdio-typed: { type: stdio, command: node }",
        "  off: { command: node, disabled: true }",
        "  approved: { command: node, autoApprove: [read], alwaysAllow: [x], disabledTools: [y] }",
      ].join("\n"),
    },
    { env: { HOME_DIR: "/home/me" } },
  );
  assert.deepEqual(errorsOf(result), []);
  assert.deepEqual(plain(result.loaded.config!.servers), [
    {
      id: "memory",
      display_name: "memory",
      tags: [],
      runtime: {
        type: "local-process",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-memory"],
        working_dir: "/srv/memory",
      },
      env: { MEMORY_FILE: "/home/me/memory.json" },
      isolation: "shared",
      tool_prefix: "memory",
      autostart: false,
    },
    {
      id: "web",
      display_name: "web",
      tags: [],
      runtime: {
        type: "remote-sse",
        url: "https://example.com/mcp",
        headers: { Authorization: "Bearer x" },
        transport: "auto",
        protocol_era: "auto",
        connect_timeout_seconds: 10,
      },
      env: {},
      isolation: "session",
      tool_prefix: "web",
      autostart: false,
    },
    {
      id: "legacy",
      display_name: "legacy",
      tags: [],
      runtime: {
        type: "remote-sse",
        url: "http://127.0.0.1:3001/sse",
        headers: {},
        transport: "sse",
        protocol_era: "auto",
        connect_timeout_seconds: 10,
      },
      env: {},
      isolation: "session",
      tool_prefix: "legacy",
      autostart: false,
    },
    {
      id: "streamable",
      display_name: "streamable",
      tags: [],
      runtime: {
        type: "remote-sse",
        url: "http://127.0.0.1:3001/mcp",
        headers: {},
        transport: "streamable-http",
        protocol_era: "auto",
        connect_timeout_seconds: 10,
      },
      env: {},
      isolation: "session",
      tool_prefix: "streamable",
      autostart: false,
    },
    {
      id: "stdio-typed",
      display_name: "stdio-typed",
      tags: [],
      runtime: { type: "local-process", command: "node", args: [] },
      env: {},
      isolation: "shared",
      tool_prefix: "stdio-typed",
      autostart: false,
    },
    {
      id: "approved",
      display_name: "approved",
      tags: [],
      runtime: { type: "local-process", command: "node", args: [] },
      env: {},
      isolation: "shared",
      tool_prefix: "approved",
      autostart: false,
      // disabledTools is the tool filter's deny list.
      extensions: { tools: { deny: ["y"], override: {} } },
    },
  ]);
  assert.deepEqual(result.loaded.config!.servers[0]!.origin.path, ["mcpServers", "memory"]);
});

test("mcpServers entries may carry the gateway's own server fields", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": "mcpServers:\n  m: { command: node, tags: [t], isolation: session, tool_prefix: mm }\n",
  });
  const server = result.loaded.config!.servers[0]!;
  assert.deepEqual([server.tags, server.isolation, server.tool_prefix], [["t"], "session", "mm"]);
});

test("mcpServers problems", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "mcpServers:",
      "  neither: { args: [x] }",
      "  scalar: npx",
      "  odd: { command: node, colour: red }",
      "  badurl: { url: not-a-url }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:2 mcpServers.neither: Server 'neither' needs either command (a local process) or url (a remote server)",
    "mcpgw.config.yaml:3 mcpServers.scalar: Server 'scalar' must be a mapping with command or url",
    "mcpgw.config.yaml:4 mcpServers.odd.colour: Unknown key 'colour'",
    "mcpgw.config.yaml:5 mcpServers.badurl.runtime.url: url must be an http:// or https:// URL of the server's MCP endpoint",
  ]);
  const list = await loadFrom(t, { "mcpgw.config.yaml": "mcpServers: [a]\n" });
  assert.deepEqual(errorsOf(list), [
    "mcpgw.config.yaml:1 mcpServers: mcpServers must be a map of name to { command, args, env } or { url, headers }",
  ]);
});

test("a Claude Desktop config file loads as-is with --config", async (t) => {
  const desktop = {
    mcpServers: {
      filesystem: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"] },
      remote: { url: "http://127.0.0.1:1/mcp" },
    },
  };
  const result = await loadFrom(
    t,
    { "claude_desktop_config.json": JSON.stringify(desktop, null, 2) },
    { configFile: "claude_desktop_config.json" },
  );
  assert.deepEqual(serverIds(result), ["filesystem", "remote"]);
});

test("servers are ordered: servers, then mcpServers, then the catalog's", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "catalog_path: catalog.yaml",
      "mcpServers:",
      "  m1: { command: node }",
      "  m2: { command: node }",
      "servers:",
      "  - { id: s1, runtime: { type: local-process, command: node } }",
      "  - { id: s2, runtime: { type: local-process, command: node } }",
    ].join("\n"),
    "catalog.yaml":
      "servers:\n  - { id: c1, runtime: { type: local-process, command: node } }\n  - { id: c2, runtime: { type: local-process, command: node } }\n",
  });
  assert.deepEqual(serverIds(result), ["s1", "s2", "m1", "m2", "c1", "c2"]);
});

test("catalog_path is relative to the config file; ~ is the home folder; absolute paths work", async (t) => {
  const result = await loadFrom(
    t,
    {
      "conf/gw.yaml": "catalog_path: ../catalogs/main.yaml\n",
      "catalogs/main.yaml": "servers:\n  - { id: rel, runtime: { type: local-process, command: node } }\n",
      "elsewhere/.keep": "",
    },
    { configFile: "conf/gw.yaml", cwd: "elsewhere" },
  );
  assert.deepEqual(serverIds(result), ["rel"]);
  assert.equal(result.loaded.config!.catalog!.filepath, path.join(result.dir, "catalogs", "main.yaml"));
  const absDir = tempDir(t);
  const abs = await loadFrom(
    t,
    { "gw.yaml": `catalog_path: ${JSON.stringify(path.join(absDir, "c.yaml"))}\n` },
    { configFile: "gw.yaml" },
  );
  assert.deepEqual(errorsOf(abs), [`gw.yaml:1 catalog_path: Catalog file not found: ${path.join(absDir, "c.yaml")}`]);
  const home = await loadFrom(
    t,
    { "gw.yaml": "catalog_path: ~/mcpgw-no-such-catalog.yaml\n" },
    { configFile: "gw.yaml" },
  );
  assert.deepEqual(errorsOf(home), [
    `gw.yaml:1 catalog_path: Catalog file not found: ${path.join(os.homedir(), "mcpgw-no-such-catalog.yaml")}`,
  ]);
});

test("catalog_path may use ${VAR}", async (t) => {
  const result = await loadFrom(
    t,
    { "gw.yaml": 'catalog_path: "${CATALOG_DIR:-.}/cat.yaml"\n', "cat.yaml": "servers: []\n" },
    { configFile: "gw.yaml" },
  );
  assert.deepEqual(errorsOf(result), []);
  assert.equal(result.loaded.config!.catalog!.filepath, path.join(result.dir, "cat.yaml"));
});

test("--catalog (the override) is relative to the working directory and replaces catalog_path", async (t) => {
  const result = await loadFrom(
    t,
    {
      "conf/gw.yaml": "catalog_path: ./not-this.yaml\n",
      "work/cat.yaml": "servers:\n  - { id: from-cli, runtime: { type: local-process, command: node } }\n",
    },
    { configFile: "conf/gw.yaml", cwd: "work", catalog: "cat.yaml" },
  );
  assert.deepEqual(serverIds(result), ["from-cli"]);
});

test("a catalog may be JSON, and may use the map form", async (t) => {
  const result = await loadFrom(
    t,
    {
      "gw.yaml": "catalog_path: cat.json\n",
      "cat.json": JSON.stringify({ servers: { j1: { runtime: { type: "local-process", command: "node" } } } }),
    },
    { configFile: "gw.yaml" },
  );
  assert.deepEqual(serverIds(result), ["j1"]);
});

test("an empty catalog, or servers: [], is valid", async (t) => {
  const empty = await loadFrom(t, { "gw.yaml": "catalog_path: cat.yaml\n", "cat.yaml": "" }, { configFile: "gw.yaml" });
  assert.deepEqual(serverIds(empty), []);
  const list = await loadFrom(
    t,
    { "gw.yaml": "catalog_path: cat.yaml\n", "cat.yaml": "servers: []\n" },
    { configFile: "gw.yaml" },
  );
  assert.deepEqual(serverIds(list), []);
  const scalar = await loadFrom(
    t,
    { "gw.yaml": "catalog_path: cat.yaml\n", "cat.yaml": "just text\n" },
    { configFile: "gw.yaml" },
  );
  assert.deepEqual(errorsOf(scalar), ["cat.yaml:1: A catalog must be a mapping with a servers list"]);
});

test("the repo's example config is valid", async (t) => {
  const logs = captureLogs();
  const loaded = await loadGateway({
    cwd: repoRoot,
    configFile: path.join(repoRoot, "mcpgw.config.yaml"),
    env: {},
    mode: "inspect",
    logger: logs.logger,
  });
  assert.deepEqual(loaded.issues, []);
  assert.ok(loaded.config!.servers.length > 0);
  void t;
});
