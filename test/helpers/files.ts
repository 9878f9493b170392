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
  // After hooks run in the order they were added, so a process a test started after this still runs
  // (and may still write into the folder, ENOTEMPTY) while it is removed: the removal retries.
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  return dir;
}

/** Writes `{ "relative/path": content }` below `dir`, creating folders as needed. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const full = path.join(dir, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}
