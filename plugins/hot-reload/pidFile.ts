import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "open-mcp-gateway";

/** Writes this process's pid to `file` (for `mcpgw reload` by SIGHUP); returns the removal, which spares another gateway's file. */
export function writePidFile(file: string, logger: Logger): () => void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${process.pid}\n`);
  } catch (error) {
    logger.warn(`Could not write the pid file ${file}: ${(error as Error).message}`);
    return () => {};
  }
  return () => {
    try {
      if (readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file);
    } catch {
      // Gone already.
    }
  };
}
