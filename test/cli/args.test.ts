import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine } from "../../src/cli/args.js";

test("a bare invocation is the default command: serve for mcpgw and gateway-http, stdio for gateway-stdio", () => {
  assert.equal(parseCommandLine([]).command, "serve");
  assert.equal(parseCommandLine([], "stdio").command, "stdio");
  assert.equal(parseCommandLine(["--config", "x.yaml"], "stdio").config, "x.yaml");
  assert.equal(parseCommandLine(["validate"], "stdio").command, "validate");
});

test("serve flags", () => {
  assert.deepEqual(
    parseCommandLine([
      "serve",
      "-c",
      "gw.yaml",
      "--listen-addr",
      "[::1]:0",
      "--log-level",
      "debug",
      "--catalog",
      "cat.yaml",
      "--validate",
    ]),
    {
      command: "serve",
      config: "gw.yaml",
      listenAddr: "[::1]:0",
      logLevel: "debug",
      catalog: "cat.yaml",
      validate: true,
      server: undefined,
      gateway: undefined,
      apiKey: undefined,
      json: false,
    },
  );
});

test("stdio flags", () => {
  const parsed = parseCommandLine(["stdio", "-s", "memory", "-g", "http://127.0.0.1:4444", "--api-key", "k"]);
  assert.deepEqual(
    [parsed.command, parsed.server, parsed.gateway, parsed.apiKey],
    ["stdio", "memory", "http://127.0.0.1:4444", "k"],
  );
});

test("--listen-addr accepts host:port, names, IPv6 in brackets, ports 0-65535", () => {
  for (const ok of [
    "127.0.0.1:4444",
    "localhost:0",
    "0.0.0.0:65535",
    "[::1]:4444",
    "[::]:80",
    "gateway.internal:8080",
  ]) {
    assert.equal(parseCommandLine(["--listen-addr", ok]).listenAddr, ok);
  }
  for (const bad of [
    "4444",
    ":4444",
    "127.0.0.1",
    "127.0.0.1:65536",
    "127.0.0.1:-1",
    "::1:4444",
    "host:port",
    "a b:1",
  ]) {
    assert.throws(() => parseCommandLine(["--listen-addr", bad]), { code: "MCPGW_ERR_USAGE" }, bad);
  }
});

test("--log-level accepts the level names, their aliases and RUST_LOG-style filters", () => {
  for (const ok of [
    "trace",
    "DEBUG",
    "info",
    "warn",
    "warning",
    "error",
    "fatal",
    "silent",
    "off",
    "gateway_core=debug,gateway_http=info",
  ]) {
    assert.equal(parseCommandLine(["--log-level", ok]).logLevel, ok);
  }
  assert.throws(() => parseCommandLine(["--log-level", "chatty"]), {
    code: "MCPGW_ERR_USAGE",
    message: "Unknown log level 'chatty'; use trace, debug, info, warn, error, fatal or silent",
  });
});

test("--version and --help win over everything else", () => {
  assert.equal(parseCommandLine(["servers", "--version"]).command, "version");
  assert.equal(parseCommandLine(["bogus", "--help"]).command, "help");
  assert.equal(parseCommandLine(["help"]).command, "help");
});

test("an unknown flag names the one it most likely meant, not Node's parser text", () => {
  const cases: Array<[string[], string]> = [
    [["--port", "4444"], "Unknown option '--port' (did you mean '--listen-addr'?)"],
    [["serve", "--host=0.0.0.0"], "Unknown option '--host' (did you mean '--listen-addr'?)"],
    [["--listen_addr", "127.0.0.1:1"], "Unknown option '--listen_addr' (did you mean '--listen-addr'?)"],
    [["--confg", "x.yaml"], "Unknown option '--confg' (did you mean '--config'?)"],
    [["stdio", "--apikey", "k"], "Unknown option '--apikey' (did you mean '--api-key'?)"],
    [["-p", "4444"], "Unknown option '-p' (did you mean '--listen-addr'?)"],
    [["--logLevel", "debug"], "Unknown option '--logLevel' (did you mean '--log-level'?)"],
    [["--frobnicate"], "Unknown option '--frobnicate'"],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCommandLine(argv), { code: "MCPGW_ERR_USAGE", message }, argv.join(" "));
  }
  // A value that looks like a flag after `--` is no option at all.
  assert.throws(() => parseCommandLine(["--", "--port"]), {
    message: "Unknown command '--port'; commands: serve, stdio, validate, plugins, servers, reload",
  });
});

test("a flag of another command says which command takes it", () => {
  assert.throws(() => parseCommandLine(["serve", "--server", "x"]), {
    code: "MCPGW_ERR_USAGE",
    message: "Option --server does not apply to 'serve' (it is an option of 'stdio')",
  });
  assert.throws(() => parseCommandLine(["stdio", "--json"]), {
    message: "Option --json does not apply to 'stdio' (it is an option of 'validate', 'plugins', 'servers', 'reload')",
  });
});

test("reload takes where the gateway is and its key: --api-key without --gateway, and no serve-only flag", () => {
  const parsed = parseCommandLine(["reload", "-c", "gw.yaml", "--listen-addr", "127.0.0.1:4444", "--api-key", "k"]);
  assert.deepEqual(
    [parsed.command, parsed.config, parsed.listenAddr, parsed.apiKey],
    ["reload", "gw.yaml", "127.0.0.1:4444", "k"],
  );
  assert.throws(
    () => parseCommandLine(["reload", "--catalog", "c.yaml"]),
    /Option --catalog does not apply to 'reload'/,
  );
  assert.throws(() => parseCommandLine(["serve", "--api-key", "k"]), /does not apply to 'serve'/);
});
