// Real MCP clients from npm against a gateway that needs a key, none sent: each ends at once with an
// error saying an API key is required, with no OAuth sign-in started and no hang. The 401 tells them
// the scheme (WWW-Authenticate: Bearer) and the OAuth paths they try next answer 404 saying so.
import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { CLAUDE_CODE_PACKAGE, INSPECTOR_PACKAGE, MCP_REMOTE_PACKAGE } from "../helpers/external.js";
import { tempDir } from "../helpers/files.js";
import { runNpx } from "../helpers/npx.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, suiteScope, type TestGateway } from "../http/support.js";

const KEY = "real-client-key-0123456789";
/** Enough for npx to start a cached package and the client to give up; a client waiting for a sign-in never ends. */
const PROMPTLY_MS = 60_000;

const scope = suiteScope();
let gateway: TestGateway;
before(async () => {
  gateway = await startHttpGateway(scope, { api_key: KEY, servers: [nodeServer("relay", RELAY_FIXTURE)] });
});
after(() => scope.cleanup());

/** No browser is ever opened: a client that tried would run this and go on waiting for the callback. */
const NO_BROWSER = { BROWSER: "/bin/true" };

test("Inspector CLI: at a terminal its registration is refused with 'API key required'; in CI mode it says so without trying", async (t) => {
  // MCP_AUTO_OPEN_ENABLED stands for the TTY: the Inspector then goes into its OAuth flow.
  const run = await runNpx(t, [INSPECTOR_PACKAGE, "--cli", `${gateway.base}/mcp`, "--method", "tools/list"], {
    env: { ...NO_BROWSER, MCP_AUTO_OPEN_ENABLED: "true" },
    timeoutMs: PROMPTLY_MS,
  });
  assert.notEqual(run.code, 0);
  assert.match(run.stdout + run.stderr, /API key required/);
  assert.doesNotMatch(run.stdout + run.stderr, /Authorization complete/);

  // In CI mode (--stored-auth-only) it starts no sign-in at all and says why.
  const ci = await runNpx(
    t,
    [INSPECTOR_PACKAGE, "--cli", `${gateway.base}/mcp`, "--method", "tools/list", "--stored-auth-only"],
    { env: NO_BROWSER, timeoutMs: PROMPTLY_MS },
  );
  assert.equal(ci.code, 3, ci.stderr);
  const line = (ci.stdout + ci.stderr).split("\n").find((text) => text.startsWith('{"error"'));
  assert.ok(line, ci.stdout + ci.stderr);
  const error = JSON.parse(line).error as { code: string; message: string };
  assert.equal(error.code, "auth_required");
  assert.match(error.message, /API key required/);
});

test("Inspector CLI with the key in --header lists the tools", async (t) => {
  const run = await runNpx(
    t,
    [INSPECTOR_PACKAGE, "--cli", `${gateway.base}/mcp`, "--method", "tools/list", "--header", `X-API-Key: ${KEY}`],
    { env: NO_BROWSER, timeoutMs: PROMPTLY_MS },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(
    (JSON.parse(run.stdout) as { tools: Array<{ name: string }> }).tools.some((tool) => tool.name === "relay__echo"),
  );
});

test("mcp-remote exits with 'API key required' instead of waiting for a browser sign-in", async (t) => {
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "desktop", version: "1" } },
  };
  const run = await runNpx(t, [MCP_REMOTE_PACKAGE, `${gateway.base}/mcp`], {
    env: NO_BROWSER,
    stdin: `${JSON.stringify(initialize)}\n`,
    timeoutMs: PROMPTLY_MS,
  });
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /Fatal error: .*API key required/);
  assert.doesNotMatch(run.stderr, /Waiting for authorization/);
});

test("Claude Code: `claude mcp list` reports the server failed to connect because an API key is required", async (t) => {
  const home = tempDir(t, "mcpgw-claude-home-");
  const project = path.join(home, "project");
  mkdirSync(project);
  const env = {
    ...NO_BROWSER,
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
  const options = { env, home, cwd: project, timeoutMs: PROMPTLY_MS };
  const added = await runNpx(
    t,
    [CLAUDE_CODE_PACKAGE, "mcp", "add", "--transport", "http", "gateway", `${gateway.base}/mcp`],
    options,
  );
  assert.equal(added.code, 0, added.stderr);
  const listed = await runNpx(t, [CLAUDE_CODE_PACKAGE, "mcp", "list"], options);
  assert.match(listed.stdout, /gateway: .*Failed to connect.*API key required/);
  assert.doesNotMatch(listed.stdout, /Needs authentication/);
});
