import { createRequire } from "node:module";
import pino, { type Logger as PinoLogger, type LevelWithSilent } from "pino";
import { Redactor } from "./redactor.js";
import { BatchedLogDestination } from "./BatchedLogDestination.js";

export type Logger = PinoLogger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const ALIASES: Record<string, LogLevel> = { warning: "warn", off: "silent", none: "silent", critical: "fatal" };

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (!value) return undefined;
  const lower = value.trim().toLowerCase();
  if ((LEVELS as readonly string[]).includes(lower)) return lower as LogLevel;
  return ALIASES[lower];
}

/**
 * Reads a RUST_LOG-style filter as the original gateway documented it: a bare level
 * ("debug") or module directives ("gateway_core=debug,gateway_http=info"). Modules do not
 * exist here, so the most verbose level named wins.
 */
export function parseRustLog(value: string | undefined): LogLevel | undefined {
  if (!value) return undefined;
  const levels = value
    .split(",")
    .map((part) => parseLogLevel(part.includes("=") ? part.slice(part.indexOf("=") + 1) : part))
    .filter((level): level is LogLevel => level !== undefined);
  if (levels.length === 0) return undefined;
  return levels.reduce((a, b) => (LEVELS.indexOf(a) <= LEVELS.indexOf(b) ? a : b));
}

/** LOG_LEVEL wins over RUST_LOG; both lose to an explicit --log-level. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel | undefined {
  return parseLogLevel(env.LOG_LEVEL) ?? parseRustLog(env.RUST_LOG);
}

const REDACTOR = Symbol.for("mcpgw:logger.redactor");

/**
 * Logs go to stderr only: stdout belongs to MCP in stdio mode. Every line, whatever its level and
 * whoever wrote it (a plugin, an error's stack, a backend's stderr), passes through `redactor`
 * just before it is written; the gateway registers its secrets with that redactor as it learns them.
 * JSON lines, except on a terminal: a person reading stderr gets pino-pretty's colored lines
 * (`MCPGW_LOG_FORMAT=json` keeps JSON there too).
 */
export function createLogger(
  level: LogLevel = "info",
  destination: NodeJS.WritableStream | number = 2,
  redactor: Redactor = new Redactor(),
): Logger {
  const stream =
    typeof destination !== "number"
      ? destination
      : prettyWanted(destination)
        ? prettyStream(destination)
        : new BatchedLogDestination(destination);
  const logger = pino(
    {
      name: "mcpgw",
      level: level as LevelWithSilent,
      base: { pid: process.pid },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => redactor.text(line) },
    },
    stream,
  );
  // Child loggers inherit it (pino children are prototype-linked to their parent).
  Object.defineProperty(logger, REDACTOR, { value: redactor });
  return logger;
}

let lastMs = NaN;
let lastTime = "";

/**
 * pino's `isoTime`, made once per millisecond: under load several request lines share a
 * millisecond, and `toISOString` was a sixth of what a request line cost.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

function prettyWanted(fd: number): boolean {
  const format = process.env.MCPGW_LOG_FORMAT?.toLowerCase();
  if (format === "json") return false;
  return format === "pretty" || (fd === 2 && process.stderr.isTTY === true);
}

/** pino-pretty in this thread (no worker), loaded only for a terminal. */
function prettyStream(fd: number): NodeJS.WritableStream {
  const pretty = createRequire(import.meta.url)("pino-pretty") as (options: object) => NodeJS.WritableStream;
  return pretty({ destination: fd, sync: true, colorize: process.stderr.isTTY === true, ignore: "pid,hostname" });
}

/** The redactor a logger made by `createLogger` applies to its lines; undefined for any other logger. */
export function redactorOf(logger: Logger): Redactor | undefined {
  return (logger as Logger & { [REDACTOR]?: Redactor })[REDACTOR];
}
