const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** What a JSON text may not exceed before it is parsed. */
export interface JsonShapeLimits {
  /** Nesting of arrays and objects. */
  readonly maxDepth: number;
  /** Values in arrays and members of objects, all levels together (counted as commas and openings). */
  readonly maxValues: number;
}

/**
 * How deep a JSON text nests and how many values it holds, measured over its raw bytes as they
 * arrive, so a body past a limit is refused before JSON.parse (and everything after it that walks
 * the value) sees it: parsing blocks the event loop for every client, and its time grows with the
 * number of values far more than with the bytes (4 MiB as one string parses ~5x faster than as two
 * million numbers). Brackets and commas inside strings do not count; UTF-8 continuation bytes never
 * equal an ASCII byte, so scanning bytes is exact. Cost: one pass over each chunk, no allocation.
 */
export class JsonShapeScan {
  #depth = 0;
  #values = 0;
  #inString = false;
  #escaped = false;

  constructor(readonly limits: JsonShapeLimits) {}

  /** Scans the next chunk: undefined while within the limits, else the limit it passed. */
  push(chunk: Uint8Array): "too deep" | "too many values" | undefined {
    const { maxDepth, maxValues } = this.limits;
    let depth = this.#depth;
    let values = this.#values;
    let inString = this.#inString;
    let escaped = this.#escaped;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) inString = true;
      else if (byte === COMMA) {
        if (++values > maxValues) return "too many values";
      } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        if (++depth > maxDepth) return "too deep";
        if (++values > maxValues) return "too many values";
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
    }
    this.#depth = depth;
    this.#values = values;
    this.#inString = inString;
    this.#escaped = escaped;
    return undefined;
  }
}
