import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import jsYaml from "js-yaml";
import { readSimpleYaml } from "../../src/config/simpleYaml.js";
import { manyServersYaml } from "../helpers/configs.js";
import { repoRoot } from "../helpers/files.js";

// What the config loader gives when the simple reader steps aside: js-yaml, core schema plus merge keys.
const schema = jsYaml.CORE_SCHEMA.extend({ implicit: [(jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge] });
const viaJsYaml = (text: string): unknown => jsYaml.load(text, { schema });

/** The simple reader answers `text`, with exactly js-yaml's value. */
function assertSame(text: string): void {
  const simple = readSimpleYaml(text);
  assert.ok(simple, `the simple reader stepped aside on:\n${text}`);
  assert.deepStrictEqual(simple.value, viaJsYaml(text), text);
}

test("the repo's example config, the original's config and catalog and a 500-server config read as js-yaml reads them", () => {
  for (const file of ["mcpgw.config.yaml", "test/fixtures/original/config.yaml", "test/fixtures/original/catalog.yaml"]) {
    assertSame(readFileSync(path.join(repoRoot, file), "utf8"));
  }
  assertSame(manyServersYaml(500));
});

test("block and flow forms of the subset read as js-yaml reads them", () => {
  const documents = [
    "---\na: 1\n",
    "a:\n- x\n- y\nb: 2\n",
    "a:\n  - x\n  -\n  - y\n",
    "list:\n  -\n    - a\n    - b\n  - c\n",
    "servers:\n  - id: one\n    runtime:\n      type: t\n    tags: []\n  - id: two\n    env: {}\n",
    "empty:\nnext: value\nlast:\n",
    "'quoted key': 1\n\"double key\": 2\n",
    "s: 'it''s'\nd: \"tab\\there \\u00e9 \\\"q\\\" \\\\\"\ne: ''\nf: \"\"\n",
    "url: http://example.com/a#frag\naddr: 127.0.0.1:4444\nwin: C:\\tools\\x.exe\nphrase: 3 days\n",
    "ints: [0, 7, -12, +5, 123456789012345]\n",
    "words: [true, True, TRUE, false, False, FALSE, null, Null, NULL, ~, yes, no, on, off]\n",
    "flow: { A: \"1\", B: plain, C: 'single, with comma', \"D\": 4 }\n",
    "args: [\"--flag\", \"a, b\", \"x\\\"y\"]\nmixed: [\"a\", b, 'c']\n",
    "display name: spaced key\n$schema: ./schema.json\ndotted.key/path-x: 1\n",
    "a: 1 # trailing comment\n# full line\n  # indented comment\nb: two # more\n",
    "flags: [--verbose, -v]\ncmd:\n  - --port\n  - -1\n",
    "unicode: héllo wörld ✓\nbraces: echo {a} [b]\n",
  ];
  for (const text of documents) assertSame(text);
});

test("anything outside the subset is left to js-yaml", () => {
  const outside = [
    "", // empty document
    "# only a comment\n",
    "\ufeffa: 1\n", // byte-order mark
    "a: 1\r\nb: 2\r\n", // CRLF
    "a:\n\tb: 1\n", // tab
    "- a\n- b\n", // top level list
    "  a: 1\n", // indented top level
    "a: &anchor 1\nb: *anchor\n",
    "base: &b { x: 1 }\nderived:\n  <<: *b\n",
    "a: !!str 1\n",
    "a: |\n  block\n",
    "a: >-\n  folded\n",
    "a: first\n  continued\n",
    "a:\n  just a scalar\n",
    "a: 1.5\n",
    "a: 0x1F\n",
    "a: 0o17\n",
    "a: 0123\n",
    "a: .inf\n",
    "a: 1e3\n",
    "a: -0\n",
    "a: 1234567890123456\n",
    "a: 1_000\n",
    "a: .hidden\n",
    "version: 1.2.3\n",
    "a: 1\na: 2\n", // duplicate key
    "m: { a: 1, a: 2 }\n",
    "? complex\n: value\n",
    "a: [1, [2]]\n",
    "a: [{ b: 1 }]\n",
    'a: {"json":1}\n',
    "a:\n  - - nested\n",
    "list:\n  -\n    - a\n    -\n  - c\n", // js-yaml puts c in the inner list
    "a: [1, 2,]\n",
    "a: [1,\n  2]\n",
    'a: "unterminated\n',
    'a: "x" # comment after a quote\n',
    "a: b: c\n",
    "a: value:\n",
    "a: @reserved\n",
    "a: `reserved\n",
    "a: %percent\n",
    "a: -\n",
    "1: numeric key\n",
    "true: boolean key\n",
    "__proto__: x\n",
    "a:\n  b: 1\n c: 2\n", // a dedent to no open level
    "a:\n  b: 1\n  - c\n",
    "a: 1\n---\nb: 2\n",
    "key  : spaced colon\n",
    'd: "\\x41"\n', // YAML escape JSON does not have
  ];
  for (const text of outside) assert.equal(readSimpleYaml(text), undefined, `answered:\n${text}`);
});

test("random damage to a config never makes the simple reader disagree with js-yaml", () => {
  // A fixed-seed generator: the same thousands of documents on every run.
  let seed = 0x2545f491;
  const random = (below: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % below;
  };
  const snippets = ["&", "*", ":", ": ", " #", "#", "'", '"', "- ", "-", "[", "]", "{", "}", ",", " ", "  ", "\\", "0", "1.", ".", "?", "!", "|", ">", "~", "null", "x", "é"];
  const kitchenSink = [
    "a:\n- x\n- y\nb: 2",
    "flow: { A: \"1\", B: plain, C: 'single, with comma', \"D\": 4 }",
    "args: [\"--flag\", \"a, b\", \"x\\\"y\"]\nmixed: [\"a\", b, 'c']\ns: 'it''s'",
    "list:\n  -\n    - a\n    - b\n  - c",
    "servers:\n  - id: one\n    runtime:\n      type: t\n    tags: []",
  ].join("\n");
  const bases = [manyServersYaml(4).split("\n"), kitchenSink.split("\n")];
  let answered = 0;
  for (let round = 0; round < 4000; round++) {
    const lines = [...bases[round % 2]!];
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(lines.length);
      const line = lines[at]!;
      const column = random(line.length + 1);
      const action = random(4);
      if (action === 0) lines[at] = line.slice(0, column) + snippets[random(snippets.length)] + line.slice(column);
      else if (action === 1) lines[at] = line.slice(0, column) + line.slice(column + 1 + random(3));
      else if (action === 2) lines.splice(at, 0, lines[random(lines.length)]!);
      else lines[at] = " ".repeat(random(6)) + line.trimStart();
    }
    const text = lines.join("\n");
    const simple = readSimpleYaml(text);
    if (!simple) continue;
    answered += 1;
    let expected: unknown;
    assert.doesNotThrow(() => (expected = viaJsYaml(text)), `the simple reader answered a document js-yaml rejects:\n${text}`);
    assert.deepStrictEqual(simple.value, expected, text);
  }
  // The damage must leave enough documents inside the subset for the comparison to mean something.
  assert.ok(answered > 400, `only ${answered} of 4000 damaged documents stayed in the subset`);
});
