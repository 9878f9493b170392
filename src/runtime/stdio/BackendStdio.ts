import { once } from "node:events";
import type { Readable } from "node:stream";
import type { JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../../kernel/logger.js";
import { isPlainResult } from "../../protocol/plainMessages.js";
import { LineSplitter } from "./LineSplitter.js";
import { STDERR_LINE_BYTES, StderrLog } from "./StderrLog.js";

/** One MCP message per stdout line; a longer line means the backend is broken, and it is restarted. */
export const MAX_STDOUT_LINE_BYTES = 4 * 1024 * 1024;

export interface BackendStdioHandlers {
  /** The gateway's logger masks secrets (the server's env values among them) in what is logged from the backend. */
  readonly logger: Logger;
  /** `(await sdkTypes()).JSONRPCMessageSchema`: loaded by the caller, so reading stays synchronous. */
  readonly messageSchema: typeof JSONRPCMessageSchema;
  onMessage(message: JSONRPCMessage): void;
  /** stdout carried a line over the cap: the stream is corrupt from here on, the backend must be ended. */
  onCorrupt(error: Error): void;
  onStdoutEnd(): void;
}

/** What a runtime keeps of a backend's stderr: its last lines, for a failed start's error and `recentOutput()`. */
export interface BackendStderr {
  /** The last lines written to stderr, oldest first. */
  readonly tail: readonly string[];
  /** Resolves once stderr closed: what a backend wrote just before it exited may still be in the pipe. */
  readonly closed: Promise<void>;
}

/**
 * The stdio framing every stdio runtime shares (a local process, an attached container): MCP
 * messages one per stdout line, non-MCP stdout lines skipped with a warning, stderr logged line by
 * line, truncated and rate-limited.
 */
export function readBackendStdio(stdout: Readable, stderr: Readable, handlers: BackendStdioHandlers): BackendStderr {
  const { logger } = handlers;
  const messages = new LineSplitter(
    MAX_STDOUT_LINE_BYTES,
    (line) => onStdoutLine(line, handlers),
    () => {
      const error = new Error(
        `The backend wrote a stdout line over ${MAX_STDOUT_LINE_BYTES / 1024 / 1024} MiB; restarting it`,
      );
      logger.error(error.message);
      handlers.onCorrupt(error);
    },
  );
  stdout.on("data", (chunk: Buffer) => messages.push(chunk));
  stdout.on("end", () => {
    messages.end();
    handlers.onStdoutEnd();
  });
  const stderrLog = new StderrLog(logger);
  const stderrLines = new LineSplitter(
    STDERR_LINE_BYTES,
    (line) => stderrLog.line(line),
    (head) => stderrLog.line(head, true),
  );
  stderr.on("data", (chunk: Buffer) => stderrLines.push(chunk));
  stderr.on("end", () => {
    stderrLines.end();
    stderrLog.flush();
  });
  const closed = once(stderr, "close").then(
    () => undefined,
    () => undefined,
  );
  return {
    get tail() {
      return stderrLog.tail;
    },
    closed,
  };
}

function onStdoutLine(line: string, handlers: BackendStdioHandlers): void {
  if (line.trim() === "") return;
  let message: JSONRPCMessage;
  try {
    const value: unknown = JSON.parse(line);
    // A call's result, the line nearly every call brings, needs no zod union parse to be known well-formed.
    message = isPlainResult(value) ? value : handlers.messageSchema.parse(value);
  } catch {
    // Skipped, not fatal: some servers print banners or debug output on stdout.
    handlers.logger.warn(
      { stream: "stdout", bytes: Buffer.byteLength(line) },
      `Ignoring a stdout line that is not an MCP message: ${preview(line.slice(0, 1_000))}`,
    );
    return;
  }
  handlers.onMessage(message);
}

function preview(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
