import { Writable } from "node:stream";
import type { CliIo } from "../../src/cli/main.js";

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** stdout and stderr captured in memory, a chosen working directory and environment. */
export function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}): CapturedIo {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _encoding, callback) {
        into.push(String(chunk));
        callback();
      },
    });
  return {
    stdout: sink(chunks.out),
    stderr: sink(chunks.err),
    cwd,
    env,
    out: () => chunks.out.join(""),
    err: () => chunks.err.join(""),
  };
}
