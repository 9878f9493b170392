// Configs as users already have them: a Claude Desktop / Cursor file, names that are not ids, and
// `${VAR}`s that only one server needs.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { slugId } from "../../src/config/servers.js";
import { errorsOf, loadFrom, serverIds, warningsOf } from "./load.js";

const DESKTOP = "claude_desktop_config.json";

/** What Claude Desktop writes: its own settings beside mcpServers, any names, disabledTools. */
const desktopFile = JSON.stringify(
  {
    globalShortcut: "Ctrl+Space",
    preferences: { quickEntry: true },
    mcpServers: {
      GitHub: { command: "node", args: ["gh.js"], env: { GITHUB_TOKEN: "${GITHUB_TOKEN}" } },
      "My Server": { command: "node", args: ["mine.js"], disabledTools: ["delete_all"] },
      memory: { command: "node", args: ["memory.js"], env: { MEMORY_DIR: "${MEMORY_DIR}" } },
      "Café Déjà-Vu": { url: "https://example.com/mcp" },
    },
  },
  null,
  2,
);

test("a claude_desktop_config.json loads as-is: its own keys ignored with one warning, names slugged, disabledTools denied", async (t) => {
  const result = await loadFrom(t, { [DESKTOP]: desktopFile }, { configFile: DESKTOP, env: { GITHUB_TOKEN: "t" } });
  assert.deepEqual(errorsOf(result), []);
  assert.deepEqual(serverIds(result), ["github", "my-server", "memory", "cafe-deja-vu"]);
  const servers = result.loaded.config!.servers;
  assert.deepEqual(
    servers.map((server) => server.display_name),
    ["GitHub", "My Server", "memory", "Café Déjà-Vu"],
  );
  assert.deepEqual(servers[1]!.extensions, { tools: { deny: ["delete_all"], override: {} } });
  // Problems still point at the name as written.
  assert.deepEqual(servers[0]!.origin.path, ["mcpServers", "GitHub"]);
  assert.deepEqual(warningsOf(result), [
    "claude_desktop_config.json:2 globalShortcut: warning: Ignoring 'globalShortcut', 'preferences': not gateway settings (of the mcpServers entries' app, e.g. Claude Desktop)",
    "claude_desktop_config.json:31 mcpServers.memory.env.MEMORY_DIR: warning: Environment variable 'MEMORY_DIR' is not set: this server is unavailable until it is set (or write ${MEMORY_DIR:-default})",
  ]);
  assert.equal(
    servers[2]!.unavailable,
    "Server 'memory' is unavailable: environment variable 'MEMORY_DIR' is not set (mcpServers.memory.env.MEMORY_DIR)",
  );
  assert.equal(servers[0]!.unavailable, undefined);
});

test("slugs are stable and fit the id pattern", () => {
  assert.equal(slugId("GitHub"), "github");
  assert.equal(slugId("My Server"), "my-server");
  assert.equal(slugId("  @acme/Tools v2!  "), "acme-tools-v2");
  assert.equal(slugId("snake_Case"), "snake_case");
  assert.equal(slugId("🚀"), "");
});

test("two names that make one id: an error naming both; a name with nothing to slug: an error naming it", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "servers:",
      "  - id: my-server",
      "    runtime: { type: local-process, command: node }",
      "mcpServers:",
      "  GitHub: { command: node }", // 5
      "  github: { command: node }", // 6
      '  "My Server": { command: node }', // 7
      '  "🚀": { command: node }', // 8
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), [
    "mcpgw.config.yaml:6 mcpServers.github: Duplicate server ID: github, made from the names 'GitHub' (mcpServers.GitHub) and 'github' (mcpServers.github); rename one",
    `mcpgw.config.yaml:7 mcpServers["My Server"]: Duplicate server ID: my-server, made from the names 'my-server' (servers[0]) and 'My Server' (mcpServers["My Server"]); rename one`,
    `mcpgw.config.yaml:8 mcpServers["🚀"]: Server name '🚀' has no letter or digit to make an id of: rename it in mcpServers`,
  ]);
});

test("beside mcpServers, a misspelt gateway key is still an error; without mcpServers every unknown key is", async (t) => {
  const desktop = await loadFrom(t, {
    "mcpgw.config.yaml": ["listen_adr: 127.0.0.1:1", "theme: dark", "mcpServers: {}"].join("\n"),
  });
  assert.deepEqual(errorsOf(desktop), [
    "mcpgw.config.yaml:1 listen_adr: Unknown key 'listen_adr' (did you mean 'listen_addr'?)",
  ]);
  assert.equal(warningsOf(desktop).length, 1);
  const plain = await loadFrom(t, { "mcpgw.config.yaml": "theme: dark\n" });
  assert.deepEqual(errorsOf(plain), ["mcpgw.config.yaml:1 theme: Unknown key 'theme'"]);
});

test("an unset ${VAR} in one server's entry: that server unavailable, the others fine; at gateway level or in an id it is an error", async (t) => {
  const result = await loadFrom(t, {
    "mcpgw.config.yaml": [
      "catalog_path: catalog.yaml",
      "servers:",
      "  - id: web",
      '    runtime: { type: remote-sse, url: "${WEB_URL}" }', // 4: the runtime does not even parse
      "  - id: ok",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
    "catalog.yaml": [
      "servers:",
      "  - id: db",
      "    display_name: Database",
      "    tags: [data]",
      "    runtime: { type: local-process, command: node, args: ['${DB_ARG}'] }",
      '    env: { PASSWORD: "${DB_PASSWORD}" }',
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(result), []);
  assert.deepEqual(serverIds(result), ["web", "ok", "db"]);
  const [web, ok, db] = result.loaded.config!.servers;
  assert.equal(
    web!.unavailable,
    "Server 'web' is unavailable: environment variable 'WEB_URL' is not set (servers[0].runtime.url)",
  );
  assert.equal(web!.runtime.type, "remote-sse");
  assert.equal(ok!.unavailable, undefined);
  assert.equal(
    db!.unavailable,
    "Server 'db' is unavailable: environment variables 'DB_ARG', 'DB_PASSWORD' are not set (servers[0].runtime.args[0], servers[0].env.PASSWORD)",
  );
  assert.deepEqual([db!.display_name, db!.tags], ["Database", ["data"]]);
  assert.equal(warningsOf(result).length, 3);

  const gatewayLevel = await loadFrom(t, {
    "mcpgw.config.yaml": [
      'api_key: "${GW_KEY}"',
      "servers:",
      '  - id: "${SERVER_ID}"',
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  assert.deepEqual(errorsOf(gatewayLevel), [
    "mcpgw.config.yaml:1 api_key: Environment variable 'GW_KEY' is not set; set it or write ${GW_KEY:-default}",
    "mcpgw.config.yaml:3 servers[0].id: Environment variable 'SERVER_ID' is not set; set it or write ${SERVER_ID:-default}",
  ]);
});
