import { Writable } from "node:stream";
import { createLogger, type Logger, type LogLevel } from "../../src/kernel/logger.js";

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every log record written so far, parsed. */
  readonly records: Array<Record<string, unknown> & { level: string; msg: string }>;
  /** Every record's text as one string, for "never contains" assertions. */
  text(): string;
}

/** A logger that writes into memory, so tests can assert on what was (or was not) logged. */
export function captureLogs(level: LogLevel = "debug"): CapturedLogs {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  const logger = createLogger(level, stream);
  return {
    logger,
    get records() {
      return lines.map((line) => JSON.parse(line));
    },
    text: () => lines.join("\n"),
  };
}
