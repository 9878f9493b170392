import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers/files.js";

/** Every relative import of every TypeScript file under `dir` (static, dynamic and type-only), resolved to a repo path. */
function importsUnder(dir: string): Array<{ file: string; target: string }> {
  const out: Array<{ file: string; target: string }> = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(full, "utf8");
        for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)["']([^"']+)["']/g)) {
          const specifier = match[1]!;
          const target = specifier.startsWith(".")
            ? path.relative(repoRoot, path.resolve(path.dirname(full), specifier))
            : specifier;
          out.push({ file: path.relative(repoRoot, full), target });
        }
      }
    }
  };
  walk(path.join(repoRoot, dir));
  return out;
}

test("the kernel, plugin loading, DI and config know nothing of MCP, the assembled gateway or any plugin", () => {
  const forbidden = ["plugins/", "src/mcp/", "src/gateway/", "src/services/"];
  const offenders = ["src/kernel", "src/plugin", "src/di", "src/config"].flatMap((dir) =>
    importsUnder(dir).filter(({ target }) => forbidden.some((prefix) => target.startsWith(prefix))),
  );
  assert.deepEqual(offenders, []);
});

test("built-in plugins import the gateway only by its package name, never a path into src/", () => {
  const offenders = importsUnder("plugins").filter(
    ({ target }) => target.startsWith("src/") || target.startsWith("dist/"),
  );
  assert.deepEqual(offenders, []);
  assert.ok(
    importsUnder("plugins").some(({ target }) => target === "open-mcp-gateway"),
    "the check saw the plugins' imports",
  );
});

test("the protocol ground floor stands on the kernel's errors and value checks alone", () => {
  const offenders = importsUnder("src/protocol").filter(
    ({ target }) =>
      target.startsWith("src/") &&
      !target.startsWith("src/protocol/") &&
      !["src/kernel/errors.js", "src/kernel/plainObject.js"].includes(target),
  );
  assert.deepEqual(offenders, []);
});
