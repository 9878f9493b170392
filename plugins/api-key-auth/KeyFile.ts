import { createHash } from "node:crypto";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, YAMLParseError } from "yaml";
import { GatewayError, type Logger } from "open-mcp-gateway";
import { keyFileSchema, type NamedApiKey } from "./options.js";

/** Edits often come as several writes (truncate, then write): read once the file is quiet for this long. */
const SETTLE_MS = 100;

/**
 * `api_keys_file`: a YAML list of `{name, key, scopes, servers}`, read at start and again whenever
 * it changes (rotation without a restart). The folder is watched, not the file, so a file replaced
 * by a rename (editors) or a symlink swap (Kubernetes Secret volumes) is seen too.
 */
export class KeyFile {
  #watcher?: FSWatcher;
  #timer?: NodeJS.Timeout;
  #digest = "";

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** The keys the file holds now; a GatewayError naming the file (never a key) when it cannot be used. */
  async read(): Promise<NamedApiKey[]> {
    const text = await readFile(this.file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw unreadable(this.file, error);
    });
    this.#digest = createHash("sha256").update(text).digest("hex");
    return parseKeyFile(this.file, text);
  }

  /** As `read`, synchronously, for validation: what a start would refuse, `validate` reports. */
  static readNow(file: string): NamedApiKey[] {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw unreadable(file, error as NodeJS.ErrnoException);
    }
    return parseKeyFile(file, text);
  }

  /**
   * Calls `changed` with the new keys after each change of the file's content. A file that cannot be
   * used (or keys `changed` refuses by throwing) is logged, and the keys in force stay.
   */
  watch(changed: (keys: NamedApiKey[]) => void): void {
    const reread = async () => {
      const before = this.#digest;
      try {
        const keys = await this.read();
        if (this.#digest !== before) changed(keys);
      } catch (error) {
        this.logger.error(
          { err: error as Error },
          `${(error as Error).message}; the keys read before stay in force until it is fixed`,
        );
      }
    };
    this.#watcher = watch(path.dirname(this.file), () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void reread(), SETTLE_MS);
    });
    // Watching alone does not keep the gateway running.
    this.#watcher.unref();
    this.#watcher.on("error", (error) =>
      this.logger.error({ err: error }, `Watching ${this.file} failed: ${error.message}; keys are no longer re-read`),
    );
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
  }
}

function parseKeyFile(file: string, text: string): NamedApiKey[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    // The parser's message quotes the offending line, which may hold a key: only where it is.
    const line = error instanceof YAMLParseError ? error.linePos?.[0].line : undefined;
    throw keyFileError(file, `is not valid YAML${line === undefined ? "" : ` (line ${line})`}`);
  }
  const parsed = keyFileSchema.safeParse(raw ?? []);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw keyFileError(file, `is not a list of {name, key, scopes, servers}: ${where.join("; ")}`);
  }
  return parsed.data;
}

function unreadable(file: string, error: NodeJS.ErrnoException): GatewayError {
  return keyFileError(
    file,
    error.code === "ENOENT" ? "does not exist" : `cannot be read (${error.code ?? error.message})`,
  );
}

function keyFileError(file: string, reason: string): GatewayError {
  return new GatewayError("MCPGW_ERR_CONFIG", `api_keys_file ${file} ${reason}`, {
    plugin: "api-key-auth",
    key: "api_keys_file",
  });
}
