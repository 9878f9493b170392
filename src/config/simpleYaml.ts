/**
 * A reader for the plain block YAML that configs are written in: mappings and lists by indentation,
 * one-line scalars, and one-line flow lists and maps of scalars. It exists for boot time: on a
 * 500-server config js-yaml spends about 55 ms running cold, and this reader a fraction of that.
 * It mostly tests characters by hand rather than with regular expressions: each regex costs
 * milliseconds the first time it runs, which is the only time that matters here.
 *
 * It answers only where it is sure to give what js-yaml (core schema) gives; on anything else
 * (anchors, tags, block scalars, multi-line values, floats, odd keys, errors) it returns undefined
 * and the caller reads the text with js-yaml. test/config/simple-yaml.test.ts holds it to that.
 */
export function readSimpleYaml(text: string): { value: Record<string, unknown> } | undefined {
  if (text.charCodeAt(0) === 0xfeff || text.includes("\t") || text.includes("\r")) return undefined;
  try {
    const reader = new BlockReader(contentLines(text));
    return reader.lines.length === 0 || reader.lines[0]!.indent !== 0 ? undefined : { value: reader.document() };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/** Thrown wherever the text leaves the subset; never escapes `readSimpleYaml`. */
class Unsupported extends Error {}

function unsupported(): never {
  throw new Unsupported();
}

interface Line {
  readonly indent: number;
  /** Without the indentation, a trailing comment or trailing spaces. */
  readonly text: string;
}

function contentLines(text: string): Line[] {
  const out: Line[] = [];
  // Indexed loops throughout: cold, for...of over an array costs several times as much.
  const raws = text.split("\n");
  for (let index = 0; index < raws.length; index += 1) {
    const raw = raws[index]!;
    const body = raw.trimStart();
    if (body === "" || body.startsWith("#")) continue;
    if (out.length === 0 && body.trimEnd() === "---") continue;
    out.push({ indent: raw.length - body.length, text: withoutComment(body) });
  }
  return out;
}

/** Cuts a ` # comment`; a line with both a comment and a quote is left to js-yaml. */
function withoutComment(body: string): string {
  const at = body.indexOf(" #");
  if (at === -1) return body.trimEnd();
  if (body.includes('"') || body.includes("'")) unsupported();
  return body.slice(0, at).trimEnd();
}

/** `- item` or a lone `-`. */
function isSequenceItem(text: string): boolean {
  return text.charCodeAt(0) === 45 && (text.length === 1 || text.charCodeAt(1) === 32);
}

class BlockReader {
  private next = 0;

  constructor(readonly lines: Line[]) {}

  document(): Record<string, unknown> {
    if (isSequenceItem(this.lines[0]!.text)) unsupported();
    const value = this.mapping(0);
    if (this.next !== this.lines.length) unsupported();
    return value;
  }

  private mapping(indent: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    while (this.next < this.lines.length && this.lines[this.next]!.indent === indent) {
      const line = this.lines[this.next]!;
      if (isSequenceItem(line.text)) break;
      const entry = splitEntry(line.text) ?? unsupported();
      if (Object.hasOwn(object, entry.key)) unsupported();
      this.next += 1;
      object[entry.key] = this.valueAfter(entry.rest, indent, true);
    }
    this.expectDedent(indent);
    return object;
  }

  private sequence(indent: number): unknown[] {
    const list: unknown[] = [];
    while (this.next < this.lines.length && this.lines[this.next]!.indent === indent && isSequenceItem(this.lines[this.next]!.text)) {
      const line = this.lines[this.next]!;
      const rest = line.text.slice(1).trimStart();
      if (rest !== "" && splitEntry(rest)) {
        // `- key: value` opens a mapping whose keys line up under the first one.
        const column = indent + line.text.length - rest.length;
        this.lines[this.next] = { indent: column, text: rest };
        list.push(this.mapping(column));
      } else {
        this.next += 1;
        list.push(this.valueAfter(rest, indent, false));
      }
    }
    this.expectDedent(indent);
    return list;
  }

  /** The value of a key or list item: on the same line, or the block indented below it. */
  private valueAfter(rest: string, indent: number, inMapping: boolean): unknown {
    const following = this.lines[this.next];
    if (rest !== "") {
      if (following && following.indent > indent) unsupported();
      return scalarOrFlow(rest);
    }
    // js-yaml reads a lone `-` followed by a shallower line unlike the spec; leave that to it.
    if (!following || following.indent < indent) return inMapping ? null : unsupported();
    if (following.indent === indent) return inMapping && isSequenceItem(following.text) ? this.sequence(indent) : null;
    return isSequenceItem(following.text) ? this.sequence(following.indent) : this.mapping(following.indent);
  }

  /** After a block, the next line must close it: deeper lines that no block took are not in the subset. */
  private expectDedent(indent: number): void {
    const following = this.lines[this.next];
    if (following && following.indent > indent) unsupported();
  }
}

/** `key: value` or `key:`; undefined when the text is not a mapping entry. */
function splitEntry(text: string): { key: string; rest: string } | undefined {
  let key: string;
  let after: number;
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text);
    if (end === -1 || text[end + 1] !== ":") return undefined;
    key = quoted(text.slice(0, end + 1));
    after = end + 2;
  } else {
    const colon = entryColon(text);
    if (colon === -1) return undefined;
    key = text.slice(0, colon);
    if (!isPlainKey(key)) unsupported();
    after = colon + 1;
  }
  if (after < text.length && text[after] !== " ") return undefined;
  if (key === "__proto__") unsupported();
  return { key, rest: text.slice(after).trim() };
}

/** The first `:` followed by a space or the end of the text; -1 when there is none. */
function entryColon(text: string): number {
  for (let at = text.indexOf(":"); at !== -1; at = text.indexOf(":", at + 1)) {
    if (at + 1 === text.length || text.charCodeAt(at + 1) === 32) return at;
  }
  return -1;
}

/** Plain words the core schema turns into null or booleans. */
const WORDS = new Map<string, null | boolean>([
  ...["~", "null", "Null", "NULL"].map((word) => [word, null] as const),
  ...["true", "True", "TRUE"].map((word) => [word, true] as const),
  ...["false", "False", "FALSE"].map((word) => [word, false] as const),
]);

/** Keys already checked: a config repeats the same few keys thousands of times. */
const plainKeys = new Set<string>();

/** Keys that read as the same string in every YAML schema: words of `[A-Za-z0-9_$./-]` (a letter, `_` or `$` first) joined by single spaces. */
function isPlainKey(key: string): boolean {
  if (plainKeys.has(key)) return true;
  if (!checkPlainKey(key)) return false;
  if (plainKeys.size < 1_000) plainKeys.add(key);
  return true;
}

function checkPlainKey(key: string): boolean {
  if (WORDS.has(key) || !isKeyStart(key.charCodeAt(0))) return false;
  for (let at = 1; at < key.length; at += 1) {
    const code = key.charCodeAt(at);
    if (code === 32 ? key.charCodeAt(at - 1) === 32 || at === key.length - 1 : !isKeyChar(code)) return false;
  }
  return true;
}

function isKeyStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;
}

function isKeyChar(code: number): boolean {
  return isKeyStart(code) || isDigit(code) || code === 46 || code === 47 || code === 45;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function scalarOrFlow(text: string): unknown {
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) unsupported();
    const strings = jsonStrings(text);
    if (strings) return strings;
    const inner = text.slice(1, -1).trim();
    return inner === "" ? [] : flowItems(inner).map((item) => flowScalar(item));
  }
  if (text.startsWith("{")) {
    if (!text.endsWith("}")) unsupported();
    const inner = text.slice(1, -1).trim();
    const object: Record<string, unknown> = {};
    if (inner === "") return object;
    for (const item of flowItems(inner)) {
      const entry = splitEntry(item);
      if (!entry || entry.rest === "" || Object.hasOwn(object, entry.key)) unsupported();
      object[entry.key] = flowScalar(entry.rest);
    }
    return object;
  }
  return scalar(text);
}

/** `["a", "b"]`: a list of double-quoted strings reads the same as JSON, so JSON.parse reads it. */
function jsonStrings(text: string): string[] | undefined {
  if (text.charCodeAt(text.length > 1 && text.charCodeAt(1) === 32 ? 2 : 1) !== 34) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Splits `a, "b, c", d: 'e, f'` at the commas outside quotes. */
function flowItems(inner: string): string[] {
  const items: string[] = [];
  let start = 0;
  let at = 0;
  for (;;) {
    const comma = inner.indexOf(",", at);
    const stop = comma === -1 ? inner.length : comma;
    const quote = firstQuote(inner, at, stop);
    if (quote !== -1) {
      const end = quotedEnd(inner, quote);
      if (end === -1) unsupported();
      at = end + 1;
      continue;
    }
    const item = inner.slice(start, stop).trim();
    if (item === "") unsupported();
    items.push(item);
    if (comma === -1) return items;
    start = at = comma + 1;
  }
}

function firstQuote(text: string, from: number, before: number): number {
  const double = text.indexOf('"', from);
  const single = text.indexOf("'", from);
  const first = double === -1 ? single : single === -1 ? double : Math.min(double, single);
  return first < before ? first : -1;
}

/** A scalar inside `[...]` or `{...}`: brackets and quotes inside a plain one are left to js-yaml. */
function flowScalar(text: string): unknown {
  if (!(text.startsWith('"') || text.startsWith("'")) && /[[\]{}'"]/.test(text)) unsupported();
  return scalar(text);
}

/** One scalar, resolved as the YAML 1.2 core schema does for the forms accepted here. */
function scalar(text: string): unknown {
  if (text.startsWith('"') || text.startsWith("'")) {
    if (quotedEnd(text) !== text.length - 1) unsupported();
    return quoted(text);
  }
  // Indicators: a plain scalar cannot start with one (`-` only when a non-space follows).
  if (INDICATORS.includes(text[0]!) && !(text[0] === "-" && text.length > 1 && text[1] !== " ")) unsupported();
  if (text.includes(": ") || text.endsWith(":") || text.includes(" #")) unsupported();
  const word = WORDS.get(text);
  if (word !== undefined) return word;
  const signed = text[0] === "-" || text[0] === "+" ? 1 : 0;
  const first = text.charCodeAt(signed);
  if (!isDigit(first) && first !== 46) return text;
  if (first !== 48 && text.length - signed <= 15 && allDigits(text, signed)) return Number(text);
  if (text === "0") return 0;
  // Other numbers (floats, octal, hex, 0-prefixed, `.inf`) and anything made only of characters a
  // number can have; `127.0.0.1:4444` or `3 days` cannot be one and stays a string.
  for (let at = signed; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (!(isKeyChar(code) || code === 43) || code === 36 || code === 47) return text;
  }
  unsupported();
}

const INDICATORS = "-?:,[]{}#&*!|>'\"%@`";

function allDigits(text: string, from: number): boolean {
  for (let at = from; at < text.length; at += 1) if (!isDigit(text.charCodeAt(at))) return false;
  return true;
}

/** Index of the quote closing the quoted scalar that starts at `start`; -1 when it does not close. */
function quotedEnd(text: string, start = 0): number {
  const quote = text[start]!;
  for (let at = text.indexOf(quote, start + 1); at !== -1; at = text.indexOf(quote, at + 1)) {
    if (quote === "'") {
      if (text[at + 1] !== "'") return at;
      at += 1;
    } else {
      let backslashes = 0;
      while (text[at - 1 - backslashes] === "\\") backslashes += 1;
      if (backslashes % 2 === 0) return at;
    }
  }
  return -1;
}

/** The value of a complete quoted scalar; escapes beyond JSON's are left to js-yaml. */
function quoted(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  try {
    return JSON.parse(text) as string;
  } catch {
    unsupported();
  }
}
