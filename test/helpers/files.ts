import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from dist/test/helpers/ back up three levels. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The bins as users run them: the bundle in dist/bundle (see scripts/bundle.mjs), not the tsc output. */
export const CLI = path.join(repoRoot, "dist", "bundle", "cli.js");
export const GATEWAY_HTTP = path.join(repoRoot, "dist", "bundle", "gateway-http.js");
export const GATEWAY_STDIO = path.join(repoRoot, "dist", "bundle", "gateway-stdio.js");

/** A fresh folder under the OS temp dir, removed when the test ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix = "mcpgw-test-"): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  // After hooks run in the order they were added, so a process the test started later may still be
  // writing here (ENOTEMPTY). A throwing hook would skip the later ones that stop that process, so a
  // folder that cannot go yet goes when the test file's process exits.
  t.after(() => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      removeAtExit(dir);
    }
  });
  return dir;
}

const leftovers = new Set<string>();

function removeAtExit(dir: string): void {
  if (leftovers.size === 0)
    process.once("exit", () => leftovers.forEach((left) => rmSync(left, { recursive: true, force: true })));
  leftovers.add(dir);
}

/** Writes `{ "relative/path": content }` below `dir`, creating folders as needed. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(dir, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}
