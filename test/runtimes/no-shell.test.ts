import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../helpers/files.js";

/** Every TypeScript source of the gateway and its bundled plugins (tests excluded). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

test("no gateway code spawns through a shell (no exec, no shell: true)", () => {
  const offenders: string[] = [];
  for (const file of [...sources(path.join(repoRoot, "src")), ...sources(path.join(repoRoot, "plugins"))]) {
    const text = readFileSync(file, "utf8");
    const where = path.relative(repoRoot, file);
    if (/shell\s*:\s*true/.test(text)) offenders.push(`${where}: shell: true`);
    // exec and execSync always run a shell; regex .exec() calls elsewhere are fine.
    for (const imported of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*["'](node:)?child_process["']/g)) {
      if (/\bexec(Sync)?\b/.test(imported[1]!)) offenders.push(`${where}: imports exec from child_process`);
    }
    if (/child_process["']\)?\.exec(Sync)?\b/.test(text) || /\bcp\.exec(Sync)?\(/.test(text))
      offenders.push(`${where}: child_process exec`);
  }
  assert.deepEqual(offenders, []);
});
