#!/usr/bin/env node
// `npm run bench`: runs every benchmark script in this folder, one after another.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const only = process.argv.slice(2);
const scripts = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith(".mjs") && name !== "run.mjs" && !name.startsWith("_"))
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const result = spawnSync(process.execPath, [path.join(import.meta.dirname, script)], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
