const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * How deep a JSON text nests, measured over its raw bytes as they arrive, so a body nested past the
 * limit is refused before JSON.parse (and everything after it that walks the value recursively) sees
 * it. Brackets inside strings do not count; UTF-8 continuation bytes never equal an ASCII byte, so
 * scanning bytes is exact. Cost: one pass over each chunk, no allocation.
 */
export class JsonDepthScan {
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(readonly maxDepth: number) {}

  /** Scans the next chunk; false as soon as the text nests deeper than `maxDepth`. */
  push(chunk: Uint8Array): boolean {
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        if (++depth > this.maxDepth) return false;
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    return true;
  }
}
