import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parse, YAMLParseError } from "yaml";
import { GatewayError } from "open-mcp-gateway";
import { keyFileSchema, type NamedApiKey } from "./options.js";

/**
 * `api_keys_file`: a YAML list of `{name, key, scopes, servers}`, read at start and at every reload:
 * the hot-reload plugin watches it with the config, so a rotation needs no restart.
 */
export class KeyFile {
  #digest?: string;

  constructor(readonly file: string) {}

  /** A hash of the text last read (whether it could be used or not): a change of it is a change of the file. */
  get digest(): string | undefined {
    return this.#digest;
  }

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
