import path from "node:path";
import { formatIssue, formatPath } from "../config/issues.js";
import type { ConfigIssue } from "../config/model.js";
import { errorMessage, isGatewayError } from "../kernel/errors.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { LoadedGateway } from "../gateway/loadGateway.js";
import { createLogger, logLevelFromEnv, parseLogLevel } from "../kernel/logger.js";
import { flushLogLines } from "../kernel/BatchedLogDestination.js";
import { parseCommandLine, USAGE, type Command, type ParsedArgs } from "./args.js";
import { pluginsReport } from "./pluginsCommand.js";
import { nameClashIssues, serversReport } from "./serversCommand.js";
import { gatewayVersion } from "../version.js";

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };

/** Runs one command; resolves to the exit code. `serve` and `stdio` resolve only when the gateway stops. */
export async function runCli(
  argv: readonly string[],
  defaultCommand: Command = "serve",
  io: CliIo = defaultIo,
): Promise<number> {
  const code = await runCommand(argv, defaultCommand, io);
  // The bins end with process.exit(code): a pipe takes what the OS buffer holds (64 KiB) and
  // drops the rest unless every pending write has gone out first.
  await Promise.all([flushed(io.stdout), flushed(io.stderr)]);
  return code;
}

/** The CLI's own message, after the log lines logged before it (they leave in batches, see BatchedLogDestination). */
function toStderr(io: CliIo, text: string): void {
  flushLogLines();
  io.stderr.write(text);
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or the stream failed). */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const writable = stream as NodeJS.WritableStream & { destroyed?: boolean; writable?: boolean };
    if (writable.destroyed || writable.writable === false) return resolve();
    stream.write("", () => resolve());
  });
}

async function runCommand(argv: readonly string[], defaultCommand: Command, io: CliIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseCommandLine(argv, defaultCommand);
  } catch (error) {
    toStderr(io, `mcpgw: ${errorMessage(error)}\n\n${USAGE}`);
    return 2;
  }
  switch (args.command) {
    case "help":
      io.stdout.write(USAGE);
      return 0;
    case "version":
      io.stdout.write(`${gatewayVersion()}\n`);
      return 0;
    case "validate":
      return validate(args, io);
    case "plugins":
    case "servers":
      return inspect(args, io);
    case "serve":
      return args.validate ? validate(args, io) : serve(args, io);
    case "stdio":
      return serve(args, io);
    case "reload":
      return reload(args, io);
  }
}

/** The kernel and every plugin load only here, so --version, --help and usage errors answer at once. */
async function load(args: ParsedArgs, io: CliIo, mode: "serve" | "stdio" | "inspect"): Promise<LoadedGateway> {
  const { loadGateway } = await import("../gateway/loadGateway.js");
  return loadGateway({
    cwd: io.cwd,
    env: io.env,
    mode,
    configFile: args.config === undefined ? undefined : path.resolve(io.cwd, args.config),
    overrides: { listen_addr: args.listenAddr, log_level: args.logLevel, catalog_path: args.catalog },
    ...(mode === "stdio" && {
      pluginOptions: {
        "stdio-frontend": definedOnly({ server: args.server, gateway: args.gateway, api_key: args.apiKey }),
      },
    }),
    // validate, plugins and servers print every problem themselves; their log only needs errors
    // (LOG_LEVEL / RUST_LOG still raise it).
    ...(mode === "inspect" && {
      logger: createLogger(
        parseLogLevel(args.logLevel) ?? logLevelFromEnv(io.env) ?? "error",
        io.stderr === process.stderr ? 2 : io.stderr,
      ),
    }),
  });
}

/** Every problem, grouped by file (in the order files first appear) and sorted by line within a file. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const files = new Map<string | undefined, number>();
  for (const issue of issues) if (!files.has(issue.file)) files.set(issue.file, files.size);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        files.get(a.issue.file)! - files.get(b.issue.file)! ||
        (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

function printIssues(loaded: LoadedGateway, issues: readonly ConfigIssue[], io: CliIo): void {
  for (const issue of sortIssues(issues)) toStderr(io, `${loaded.redactor.text(formatIssue(issue, io.cwd))}\n`);
}

/** The file the problems are in: the config in use, or the one that could not be read. */
function problemFile(loaded: LoadedGateway, args: ParsedArgs, io: CliIo): string {
  const file =
    loaded.configFile ??
    (args.config !== undefined ? path.resolve(io.cwd, args.config) : loaded.issues.find((issue) => issue.file)?.file);
  if (file === undefined) return "the configuration";
  const relative = path.relative(io.cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

async function validate(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = await load(args, io, "inspect");
  // Aggregated names that clash, from the capability cache of earlier runs (nothing is started).
  const found = [...loaded.issues, ...(loaded.kernel ? await nameClashIssues(loaded.kernel) : [])];
  const errors = found.filter((issue) => issue.severity === "error");
  if (args.json) {
    const issues = sortIssues(found).map((issue) => ({
      ...issue,
      path: issue.path.map((part) => (typeof part === "number" ? part : String(part))),
      key: formatPath(issue.path),
    }));
    const report = { valid: errors.length === 0, file: loaded.configFile ?? null, issues };
    io.stdout.write(`${JSON.stringify(loaded.redactor.value(report), null, 2)}\n`);
  } else printIssues(loaded, found, io);
  if (errors.length > 0) {
    if (!args.json)
      toStderr(io, `${errors.length} problem${errors.length === 1 ? "" : "s"} in ${problemFile(loaded, args, io)}\n`);
    return 1;
  }
  if (!args.json) {
    const servers = loaded.config!.servers.length;
    const plugins = loaded.plugins.filter((plugin) => plugin.status === "enabled").length;
    io.stdout.write(
      `Configuration is valid: ${loaded.configFile ?? "no config file (defaults)"}, ${servers} server${servers === 1 ? "" : "s"}, ${plugins} plugins\n`,
    );
  }
  return 0;
}

async function inspect(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = await load(args, io, "inspect");
  const failed = loaded.issues.some((issue) => issue.severity === "error");
  if (args.command === "plugins") {
    io.stdout.write(pluginsReport(loaded.plugins, args.json));
  } else if (loaded.kernel) {
    io.stdout.write(await serversReport(loaded.kernel, args.json));
  }
  if (failed) printIssues(loaded, loaded.issues, io);
  return failed ? 1 : 0;
}

/** Asks the running gateway of this config to reload it; the config must be valid to say where that gateway is. */
async function reload(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = await load(args, io, "inspect");
  if (!loaded.config) {
    printIssues(loaded, loaded.issues, io);
    toStderr(
      io,
      `Not reloading: ${problemFile(loaded, args, io)} has problems; the gateway keeps its running config\n`,
    );
    return 1;
  }
  await loaded.kernel?.stop();
  const { requestReload } = await import("./reloadCommand.js");
  const report = await requestReload(loaded.config, args.apiKey, io.env);
  if (args.json)
    io.stdout.write(`${JSON.stringify({ ok: report.ok, via: report.via, answer: report.answer ?? null })}\n`);
  else if (report.ok) io.stdout.write(`${loaded.redactor.text(report.text)}\n`);
  else toStderr(io, `${loaded.redactor.text(report.text)}\n`);
  return report.ok ? 0 : 1;
}

/** Runs the gateway until a signal (or, in stdio mode, the end of stdin) stops it. */
async function serve(args: ParsedArgs, io: CliIo): Promise<number> {
  const mode = args.command === "stdio" ? "stdio" : "serve";
  const loaded = await load(args, io, mode);
  if (!loaded.kernel) {
    printIssues(loaded, loaded.issues, io);
    return 1;
  }
  const kernel = loaded.kernel;
  kernel.logger.info({ version: gatewayVersion(), config: loaded.configFile ?? null }, "Starting Open MCP Gateway");
  kernel.logger.info(`Loaded ${kernel.config.servers.length} servers`);
  for (const issue of loaded.issues) kernel.logger.warn(formatIssue(issue, io.cwd));
  const stopped = waitForStop(kernel);
  try {
    await kernel.start();
  } catch (error) {
    kernel.logger.error({ code: isGatewayError(error) ? error.code : undefined }, errorMessage(error));
    kernel.hooks.failed.call(error as Error);
    await kernel.stop({ kind: "error" }).catch(() => undefined);
    return 1;
  }
  return stopped;
}

/** How long a stop may take before the gateway exits 1 anyway; deploy/kubernetes sets its grace period above it. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/** Resolves to the exit code once the kernel stopped: after SIGTERM/SIGINT, or when a frontend stopped it (the end of stdin). */
async function waitForStop(kernel: Kernel): Promise<number> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      kernel.logger.warn(`Second ${signal}: exiting without waiting`);
      process.exit(1);
    }
    kernel.logger.info(`${signal} received: draining and stopping`);
    const deadline = setTimeout(() => {
      kernel.logger.error(`Shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    kernel.stop({ kind: "signal", signal }).catch(() => {});
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const reason = await kernel.stopped;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  try {
    // The same stop whoever started it: its outcome decides the exit code.
    await kernel.stop();
    kernel.logger.info(`Stopped (${reason.kind})`);
    return 0;
  } catch (error) {
    kernel.logger.error(`Stopped with an error: ${errorMessage(error)}`);
    return 1;
  }
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
