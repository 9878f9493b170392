import module from "node:module";
import type { Command } from "./args.js";

/**
 * What the bins run: the CLI with its default command, then exit with its code. Exiting explicitly
 * keeps a paused stdin or a keep-alive socket from holding a stopped gateway open.
 */
export async function runBin(defaultCommand: Command): Promise<never> {
  // Node 22 and later keep V8's compiled code between runs; it must be on before the gateway's
  // modules load, hence the dynamic import. Node 20 has no such cache.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const { runCli } = await import("./main.js");
  process.exit(await runCli(process.argv.slice(2), defaultCommand));
}
