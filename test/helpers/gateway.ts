import path from "node:path";
import { loadGateway, type LoadGatewayOptions, type LoadedGateway } from "../../src/gateway/loadGateway.js";
import { captureLogs, type CapturedLogs } from "./logs.js";
import { tempDir, writeFiles } from "./files.js";

type TestContext = { after(fn: () => void | Promise<void>): void };

/** Writes `config` as mcpgw.config.yaml (plus `files`) into a temp folder and loads it; the kernel is stopped after the test. */
export async function loadTestGateway(
  t: TestContext,
  config: string,
  options: Omit<LoadGatewayOptions, "configFile" | "logger"> & { files?: Record<string, string> } = {},
): Promise<LoadedGateway & { dir: string; logs: CapturedLogs }> {
  const dir = tempDir(t);
  writeFiles(dir, { "mcpgw.config.yaml": config, ...options.files });
  const logs = captureLogs();
  const loaded = await loadGateway({
    env: {},
    ...options,
    cwd: dir,
    configFile: path.join(dir, "mcpgw.config.yaml"),
    logger: logs.logger,
  });
  if (loaded.kernel) t.after(() => loaded.kernel!.stop());
  return { ...loaded, dir, logs };
}

export function errorsOf(loaded: Pick<LoadedGateway, "issues">): string[] {
  return loaded.issues.filter((issue) => issue.severity === "error").map((issue) => issue.message);
}
