#!/usr/bin/env node
// Runs every compiled *.test.js under dist/test (and dist/packages/*/test, the workspace packages'
// tests, compiled by the same tsc run) with node's test runner. Node 20's `--test DIR`
// also runs helpers and fixture servers, and it has no glob support, so the list is built here.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const dist = path.resolve(import.meta.dirname, "..", "dist");
const root = path.join(dist, "test");
const packageTests = existsSync(path.join(dist, "packages"))
  ? readdirSync(path.join(dist, "packages")).map((name) => path.join(dist, "packages", name, "test"))
  : [];
const filter = process.argv.slice(2);

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : collect(full);
    return entry.name.endsWith(".test.js") ? [full] : [];
  });
}

const files = [root, ...packageTests.filter((dir) => existsSync(dir))]
  .flatMap((dir) => collect(dir))
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found under ${root}`);
  process.exit(1);
}
// Tests that run the conformance suite or the Inspector fetch them with npx. Filling npm's cache for
// them here, one after another, keeps parallel test files from racing on an empty cache.
const {
  CLAUDE_CODE_PACKAGE,
  CONFORMANCE_PACKAGE,
  CONFORMANCE_SSE_POLLING_PACKAGE,
  INSPECTOR_PACKAGE,
  MCP_REMOTE_PACKAGE,
  NODE22_PACKAGE,
} = await import(path.join(root, "helpers", "external.js"));
const npx = path.join(path.dirname(process.execPath), "npx");
for (const args of [
  ["-y", "-p", NODE22_PACKAGE, "-p", CONFORMANCE_PACKAGE, "--", "conformance", "--version"],
  ["-y", "-p", NODE22_PACKAGE, "-p", CONFORMANCE_SSE_POLLING_PACKAGE, "--", "conformance", "--version"],
  ["-y", INSPECTOR_PACKAGE, "--version"],
  ["-y", CLAUDE_CODE_PACKAGE, "--version"],
  // mcp-remote has no --version: installing it is all that is wanted.
  ["-y", "-p", MCP_REMOTE_PACKAGE, "--", "node", "--version"],
]) {
  const warm = spawnSync(npx, args, {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 10 * 60_000,
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (warm.status !== 0)
    console.error(`could not prepare ${args.join(" ")}: ${String(warm.stderr).trim().split("\n").slice(-3).join(" ")}`);
}

// Tests that meet real services run Debian's own (nginx, HAProxy and Redis for many replicas, Docker Engine for
// mcpgw-plugin-docker), started in the foreground by the tests. Installed here, once and one after
// another, when missing: parallel test files must not race on apt's lock.
const debianPackages = [
  ["/usr/sbin/nginx", "nginx"],
  ["/usr/sbin/haproxy", "haproxy"],
  ["/usr/bin/redis-server", "redis-server"],
  ["/usr/sbin/dockerd", "docker.io"],
].filter(([binary]) => !existsSync(binary));
if (debianPackages.length > 0) {
  const names = debianPackages.map(([, name]) => name);
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    console.error(
      `missing Debian packages the tests need: ${names.join(", ")} (install them as root; those tests will fail)`,
    );
  } else {
    const apt = (args) =>
      spawnSync("apt-get", args, {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    apt(["update", "-qq"]);
    const installed = apt(["install", "-y", "-qq", "--no-install-recommends", ...names]);
    if (installed.status !== 0)
      console.error(`apt-get install ${names.join(" ")} failed: ${String(installed.stderr).trim()}`);
  }
}

// In-process tests load the tsc output (dist/src); "mcpgw-source" makes a plugin's
// `import "open-mcp-gateway"` resolve there too, so a test never mixes it with the bundle the bins use.
const child = spawn(process.execPath, ["--conditions=mcpgw-source", "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
});
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
