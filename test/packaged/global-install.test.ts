// The README's install, on a machine where `open-mcp-gateway` is not on the registry: from the clone,
// with `npm install -g` (here into a throwaway prefix), then `mcpgw` found on PATH.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DEFAULT_BUNDLE } from "../../src/gateway/builtins.js";
import { run } from "../cli/spawn.js";
import { repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { npm, packGateway } from "../helpers/packedApp.js";

const VERSION = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/** `mcpgw ARGS` as a shell finds it: by PATH, which holds only the prefix's bin and node's folder. */
async function onPath(prefix: string, args: readonly string[], cwd: string) {
  const { spawn } = await import("node:child_process");
  const child = spawn("mcpgw", args, {
    cwd,
    env: { PATH: `${path.join(prefix, "bin")}${path.delimiter}${path.dirname(process.execPath)}`, HOME: cwd },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  return { code, stdout, stderr };
}

async function checkInstalled(t: { after(fn: () => void): void }, prefix: string): Promise<void> {
  const project = tempDir(t, "mcpgw-global-project-");
  writeFiles(project, {
    "mcpgw.config.yaml": [
      "servers:",
      "  - id: everything",
      "    runtime: { type: local-process, command: npx, args: ['-y', '@modelcontextprotocol/server-everything'] }",
    ].join("\n"),
  });
  const version = await onPath(prefix, ["--version"], project);
  assert.deepEqual(version, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
  const validated = await onPath(prefix, ["validate"], project);
  assert.equal(validated.code, 0, validated.stderr);
  assert.match(
    validated.stdout,
    new RegExp(`^Configuration is valid: .*mcpgw\\.config\\.yaml, 1 server, ${DEFAULT_BUNDLE.length} plugins\\n$`),
  );
  // The original's names come along.
  for (const bin of ["gateway-http", "gateway-stdio"]) {
    const result = await run(path.join(prefix, "bin", bin), ["--version"], { cwd: project });
    assert.equal(result.stdout, `${VERSION}\n`, bin);
  }
}

test("`npm install -g` of the packed clone puts a working mcpgw on PATH", async (t) => {
  const prefix = tempDir(t, "mcpgw-global-");
  await npm(
    ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", await packGateway()],
    prefix,
  );
  await checkInstalled(t, prefix);
});

test("`npm install -g` of the clone's folder (what `npm link` does) puts a working mcpgw on PATH", async (t) => {
  const prefix = tempDir(t, "mcpgw-global-link-");
  // No scripts: the folder's `prepare` would rebuild dist/ under the other tests' feet (its build is the tests' own).
  await npm(["install", "-g", "--prefix", prefix, "--ignore-scripts", "--no-audit", "--no-fund", repoRoot], prefix);
  await checkInstalled(t, prefix);
});
