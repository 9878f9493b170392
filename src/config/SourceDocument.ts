import { LineCounter, parseDocument, isNode, type Document } from "yaml";

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

  /** The position of the deepest node that exists along `path` (a missing key points at its parent). */
  locate(path: readonly PropertyKey[]): { line: number; column: number } | undefined {
    const { document, lines } = this.parse();
    const full = [...this.basePath, ...path];
    for (let length = full.length; length >= 0; length--) {
      const node = document.getIn(full.slice(0, length), true);
      if (isNode(node) && node.range) {
        const pos = lines.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  }

  private parse(): { document: Document; lines: LineCounter } {
    if (!this.parsed) {
      const lines = new LineCounter();
      this.parsed = { document: parseDocument(this.text, { lineCounter: lines, uniqueKeys: false }), lines };
    }
    return this.parsed;
  }
}
