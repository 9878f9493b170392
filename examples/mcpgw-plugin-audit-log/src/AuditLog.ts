import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { errorMessage, type Logger, type McpRequest, type RequestOutcome, type RequestStage } from "open-mcp-gateway";

/** One line of the audit file, and one element of `GET /audit`. */
export interface AuditEntry {
  /** When the call arrived (ISO 8601, UTC). */
  readonly time: string;
  /** The caller's name (an API key's configured name, `stdio`, `anonymous`, `unauthenticated`), never a key. */
  readonly principal: string;
  readonly transport: string;
  /** The server the call went to; null when it was refused before the gateway knew (authentication, unknown tool). */
  readonly server: string | null;
  /** The tool name as the client sent it. */
  readonly tool: string | null;
  /** The backend's own name for the tool, when it differs from `tool` (a prefixed or renamed tool). */
  readonly tool_original?: string;
  readonly outcome: "ok" | "error";
  /** For an error: the JSON-RPC code and message the client got (message masked and cut to 1,000 characters). */
  readonly error?: { readonly code: number; readonly message: string };
  /** For an error: the pipeline stage that ended the call. */
  readonly stage?: RequestStage;
  readonly duration_ms: number;
}

const MAX_MESSAGE = 1_000;

/**
 * The audit entry for one finished `tools/call`. Only names go in: never the call's arguments or
 * result, never the error's `data`; `mask` replaces the config's secrets in what the client chose
 * (the tool name) and in the error message.
 */
export function auditEntry(request: McpRequest, outcome: RequestOutcome, mask: (text: string) => string): AuditEntry {
  const called = request.exposedName;
  const entry = {
    time: new Date(request.receivedAt).toISOString(),
    principal: request.principal.id,
    transport: request.transport,
    server: request.server ?? null,
    tool: called === undefined ? null : mask(called),
    ...(request.name !== undefined && request.name !== called && { tool_original: mask(request.name) }),
  };
  if (outcome.ok) return { ...entry, outcome: "ok", duration_ms: outcome.durationMs };
  let message = mask(outcome.error.message);
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}…`;
  return {
    ...entry,
    outcome: "error",
    error: { code: outcome.error.code, message },
    stage: outcome.stage,
    duration_ms: outcome.durationMs,
  };
}

/**
 * The audit file and the latest entries. `write` never waits: the line goes to a write stream,
 * which queues it while the disk is busy, so the request path never blocks on the file.
 */
export class AuditLog {
  readonly #recent: AuditEntry[] = [];
  #stream?: WriteStream;

  constructor(
    /** Absolute path of the file. */
    readonly file: string,
    private readonly logger: Logger,
    private readonly keep = 100,
  ) {}

  /** Creates the folder and opens the file for appending; rejects when it cannot be opened. */
  async open(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const stream = createWriteStream(this.file, { flags: "a", encoding: "utf8" });
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    stream.on("error", (error) => {
      // A full disk or a removed mount: say so once, keep serving calls, keep the latest entries in memory.
      this.logger.error(
        { file: this.file },
        `Cannot write the audit log ${this.file}: ${errorMessage(error)}; entries are no longer written`,
      );
      if (this.#stream === stream) this.#stream = undefined;
    });
    this.#stream = stream;
  }

  write(entry: AuditEntry): void {
    this.#recent.push(entry);
    if (this.#recent.length > this.keep) this.#recent.shift();
    this.#stream?.write(`${JSON.stringify(entry)}\n`);
  }

  /** The latest entries, oldest first. */
  recent(): AuditEntry[] {
    return [...this.#recent];
  }

  /** Writes out what is queued and closes the file. */
  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (!stream || stream.destroyed) return;
    await new Promise<void>((resolve) => {
      stream.once("close", () => resolve());
      stream.end();
    });
  }
}
