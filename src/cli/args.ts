import { parseArgs, type ParseArgsConfig } from "node:util";
import { closest } from "../config/issues.js";
import { GatewayError } from "../kernel/errors.js";
import { parseLogLevel, parseRustLog } from "../kernel/logger.js";

export type Command = "serve" | "stdio" | "validate" | "plugins" | "servers" | "reload" | "help" | "version";

const COMMANDS = new Set<Command>(["serve", "stdio", "validate", "plugins", "servers", "reload"]);

const OPTIONS = {
  config: { type: "string", short: "c" },
  "listen-addr": { type: "string" },
  "log-level": { type: "string" },
  catalog: { type: "string" },
  validate: { type: "boolean" },
  server: { type: "string", short: "s" },
  gateway: { type: "string", short: "g" },
  "api-key": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies ParseArgsConfig["options"];

/** Which flags each command takes; anything else is a usage error (exit 2). */
const ALLOWED: Record<Exclude<Command, "help" | "version">, readonly (keyof typeof OPTIONS)[]> = {
  serve: ["config", "listen-addr", "log-level", "catalog", "validate"],
  stdio: ["config", "server", "catalog", "gateway", "api-key", "log-level"],
  validate: ["config", "catalog", "json", "log-level"],
  plugins: ["config", "json", "log-level"],
  servers: ["config", "catalog", "json", "log-level"],
  reload: ["config", "listen-addr", "api-key", "json", "log-level"],
};

export interface ParsedArgs {
  readonly command: Command;
  readonly config?: string;
  readonly listenAddr?: string;
  readonly logLevel?: string;
  readonly catalog?: string;
  readonly validate: boolean;
  readonly server?: string;
  readonly gateway?: string;
  readonly apiKey?: string;
  readonly json: boolean;
}

/** `defaultCommand` is what a bare invocation means: `serve` for mcpgw and gateway-http, `stdio` for gateway-stdio. */
export function parseCommandLine(argv: readonly string[], defaultCommand: Command = "serve"): ParsedArgs {
  rejectUnknownOptions(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new GatewayError("MCPGW_ERR_USAGE", (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help", validate: false, json: false };
  if (values.version) return { command: "version", validate: false, json: false };
  if (positionals.length > 1) throw new GatewayError("MCPGW_ERR_USAGE", `Unexpected argument '${positionals[1]}'`);
  const given = positionals[0];
  if (given === "help") return { command: "help", validate: false, json: false };
  if (given !== undefined && !COMMANDS.has(given as Command))
    throw new GatewayError("MCPGW_ERR_USAGE", `Unknown command '${given}'; commands: ${[...COMMANDS].join(", ")}`);
  const command = (given as Command | undefined) ?? defaultCommand;
  if (command !== "help" && command !== "version") {
    const allowed = new Set<string>(ALLOWED[command]);
    for (const flag of Object.keys(values)) {
      if (!allowed.has(flag)) {
        const owners = Object.entries(ALLOWED)
          .filter(([, flags]) => (flags as readonly string[]).includes(flag))
          .map(([name]) => `'${name}'`);
        const hint = owners.length > 0 ? ` (it is an option of ${owners.join(", ")})` : "";
        throw new GatewayError("MCPGW_ERR_USAGE", `Option --${flag} does not apply to '${command}'${hint}`);
      }
    }
  }
  if (values["api-key"] !== undefined && values.gateway === undefined && command !== "reload")
    throw new GatewayError("MCPGW_ERR_USAGE", "--api-key goes with --gateway URL");
  const logLevel = values["log-level"];
  if (logLevel !== undefined && parseLogLevel(logLevel) === undefined && parseRustLog(logLevel) === undefined) {
    throw new GatewayError(
      "MCPGW_ERR_USAGE",
      `Unknown log level '${logLevel}'; use trace, debug, info, warn, error, fatal or silent`,
    );
  }
  const listenAddr = values["listen-addr"];
  if (listenAddr !== undefined && !LISTEN_ADDR.test(listenAddr)) {
    throw new GatewayError(
      "MCPGW_ERR_USAGE",
      `--listen-addr takes HOST:PORT (for example 127.0.0.1:4444 or [::1]:4444), not '${listenAddr}'`,
    );
  }
  for (const flag of ["config", "catalog", "server", "gateway"] as const) {
    if (values[flag] === "") throw new GatewayError("MCPGW_ERR_USAGE", `--${flag} needs a value`);
  }
  return {
    command,
    config: values.config,
    listenAddr: values["listen-addr"],
    logLevel: values["log-level"],
    catalog: values.catalog,
    validate: values.validate ?? false,
    server: values.server,
    gateway: values.gateway,
    apiKey: values["api-key"],
    json: values.json ?? false,
  };
}

/** Flags people bring from other tools, for the did-you-mean of an unknown one. */
const FLAG_SYNONYMS: Readonly<Record<string, keyof typeof OPTIONS>> = {
  port: "listen-addr",
  p: "listen-addr",
  host: "listen-addr",
  bind: "listen-addr",
  addr: "listen-addr",
  address: "listen-addr",
  listen: "listen-addr",
  file: "config",
  "config-file": "config",
  conf: "config",
  f: "config",
  key: "api-key",
  token: "api-key",
  level: "log-level",
  verbose: "log-level",
  debug: "log-level",
  v: "version",
  url: "gateway",
  id: "server",
  check: "validate",
  "dry-run": "validate",
};

/**
 * An unknown flag is a usage error naming the flag it most likely meant, and a flag without its
 * value says so, instead of Node's parser text (which suggests `-- "--port"`, a positional argument).
 */
function rejectUnknownOptions(argv: readonly string[]): void {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name in OPTIONS) {
      const option = OPTIONS[token.name as keyof typeof OPTIONS];
      // Node's lenient pass takes a following flag as the value; its strict one calls that ambiguous.
      const missing = token.value === undefined || (!token.inlineValue && token.value.startsWith("-"));
      if (option.type === "string" && missing)
        throw new GatewayError("MCPGW_ERR_USAGE", `--${token.name} needs a value`);
      continue;
    }
    const name = token.name.replace(/_/g, "-");
    const match = FLAG_SYNONYMS[token.name.toLowerCase()] ?? closest(name, Object.keys(OPTIONS));
    const hint = match ? ` (did you mean '--${match}'?)` : "";
    throw new GatewayError("MCPGW_ERR_USAGE", `Unknown option '${token.rawName}'${hint}`);
  }
}

/** `host:port` or `[v6]:port`, port 0-65535. */
const LISTEN_ADDR =
  /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]?\d{1,4})$/;

export const USAGE = `Open MCP Gateway: one endpoint in front of many MCP servers.

Usage:
  mcpgw [serve]  [--config FILE] [--listen-addr HOST:PORT] [--log-level LEVEL] [--catalog FILE] [--validate]
  mcpgw stdio    [--config FILE] [--server ID] [--catalog FILE] [--gateway URL [--api-key KEY]]
  mcpgw validate [--config FILE] [--catalog FILE] [--json]   every problem with file, key path and line; exit 0 valid, 1 invalid
  mcpgw plugins  [--config FILE] [--json]                    resolved plugins: id, version, where from, status
  mcpgw servers  [--config FILE] [--catalog FILE] [--json]   server definitions: id, runtime type, tags
  mcpgw reload   [--config FILE] [--listen-addr HOST:PORT] [--api-key KEY] [--json]
                 the running gateway of this config reloads it (POST /admin/reload, else SIGHUP by its pid file)
  mcpgw --version | --help

Without --config the config is searched from the working directory upward:
package.json ("mcpgw" key), .mcpgwrc[.json|.yaml|.yml|.js|.mjs|.cjs|.ts], the same under .config/,
and mcpgw.config.{yaml,yml,json,js,mjs,cjs,ts}.
Logs go to stderr. LOG_LEVEL (or RUST_LOG) sets the level; --log-level wins. Every key: docs/configuration.md.
Exit codes: 0 fine, 1 configuration or runtime failure, 2 usage error.
`;
