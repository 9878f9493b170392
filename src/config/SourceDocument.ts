import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { Document, LineCounter } from "yaml";

let yamlModule: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded on first need: it only explains problems (positions, clear syntax
 * messages), and a valid config never needs it. Synchronous, so line lookups stay synchronous.
 */
export function yamlLibrary(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  return yamlModule;
}

/** The document most recently read for each file, so problems found later (env substitution) still get a line. */
const latest = new Map<string, SourceDocument>();

/**
 * The parsed text of a YAML or JSON file, kept to turn a key path into a line and column.
 * JSON parses as YAML flow syntax, so one reader serves both.
 */
export class SourceDocument {
  private parsed?: { document: Document; lines: LineCounter };

  constructor(
    readonly text: string,
    /** Prefix of every path in this file: `["mcpgw"]` when the config sits in package.json. */
    private readonly basePath: readonly PropertyKey[] = [],
  ) {}

  /** Remembers `document` as the current text of `file` (see `forFile`). */
  static register(file: string, document: SourceDocument): SourceDocument {
    latest.set(file, document);
    return document;
  }

  /** The document last read for `file`, if it was YAML or JSON. */
  static forFile(file: string | undefined): SourceDocument | undefined {
    return file === undefined ? undefined : latest.get(file);
  }

  /**
   * The position of the deepest node that exists along `path`: a map entry points at its key
   * (so `runtime:` followed by a block points at the `runtime` line), a list item at the item,
   * and a missing key at its parent.
   */
  locate(path: readonly PropertyKey[]): { line: number; column: number } | undefined {
    const { document, lines } = this.parse();
    let node: unknown = document.contents;
    const { isMap, isNode, isScalar, isSeq } = yamlLibrary();
    let offset = isNode(node) && node.range ? node.range[0] : undefined;
    for (const part of [...this.basePath, ...path]) {
      if (isMap(node)) {
        const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(part));
        if (!pair) break;
        if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
        node = pair.value;
      } else if (isSeq(node) && typeof part === "number") {
        const item = node.items[part];
        if (!isNode(item)) break;
        if (item.range) offset = item.range[0];
        node = item;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  private parse(): { document: Document; lines: LineCounter } {
    if (!this.parsed) {
      const { LineCounter, parseDocument } = yamlLibrary();
      const lines = new LineCounter();
      this.parsed = { document: parseDocument(this.text, { lineCounter: lines, uniqueKeys: false }), lines };
    }
    return this.parsed;
  }
}
