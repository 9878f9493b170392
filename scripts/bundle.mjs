#!/usr/bin/env node
// Bundles the compiled gateway (dist/src, dist/plugins) into dist/bundle: what the bins, `npm start`
// and `import "open-mcp-gateway"` load. Node's ESM loader pays per module, and the gateway's
// dependency graph is several hundred modules; the bundle is a few dozen files, so boot is about
// 120 ms shorter (see bench/config-load.mjs). Code splitting keeps one copy of every module across
// the entry points (a plugin importing `open-mcp-gateway` shares the CLI's kernel and tsyringe)
// and keeps lazily imported parts (SDK transports, the remote runtime) out of the boot path.
import { build } from "esbuild";
import { rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const dist = (file) => path.join(root, "dist", file);
const outdir = dist("bundle");

rmSync(outdir, { recursive: true, force: true });
/**
 * Two changes to how bundled dependencies are read, both for boot time:
 * - JSON files become `JSON.parse("...")`: V8 parses JSON text several times faster than the same
 *   data as a JavaScript object literal (mime-db alone is 430 KB and koa loads it at boot).
 * - js-yaml once: the gateway imports its ESM build and cosmiconfig requires its CommonJS build,
 *   which would put the parser in the bundle twice.
 */
const bootFriendly = {
  name: "boot-friendly",
  setup(build) {
    build.onLoad({ filter: /\.json$/ }, async (args) => ({
      contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(await readFile(args.path, "utf8"))))});`,
      loader: "js",
    }));
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "boot-friendly" } : undefined,
    );
    build.onLoad({ filter: /^zod-locales$/, namespace: "boot-friendly" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
      loader: "js",
    }));
    // zod's classic entry, which plugins and the SDK import, is shared from node_modules; the gateway's own
    // zod/mini is bundled, without zod's 64 locales (every zod entry point imports them all).
    build.onResolve({ filter: /^zod$/ }, () => ({ path: "zod", external: true }));
    build.onResolve({ filter: /^js-yaml$/ }, () => ({ path: path.join(root, "node_modules", "js-yaml", "index.js") }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: {
    cli: dist("src/cli.js"),
    "gateway-http": dist("src/bin/gateway-http.js"),
    "gateway-stdio": dist("src/bin/gateway-stdio.js"),
    index: dist("src/index.js"),
    // Spawned as a process of its own: OrphanGuard finds it next to the chunk that holds it.
    "orphan-guard-main": dist("plugins/process-runtime/orphan-guard-main.js"),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // Built-in plugins import the public API by the package's own name, as a third party does: one copy of it, the index chunk.
  alias: { "open-mcp-gateway": "./dist/src/index.js" },
  external: [
    // Loaders for TypeScript config files: optional, big, and only loaded for a .ts config.
    "typescript",
    "tsx",
    "tsx/*",
    // Shared with plugins (see above): the plugin's copy must be the gateway's.
    "@modelcontextprotocol/sdk",
    "@modelcontextprotocol/sdk/*",
  ],
  // CommonJS dependencies inside an ESM bundle still call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __mcpgwCreateRequire } from "node:module"; const require = __mcpgwCreateRequire(import.meta.url);',
  },
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  metafile: true,
  plugins: [bootFriendly],
});
// The benchmarks' backend (bench/_echo-server.mjs) in one file: a benchmark run starts it a hundred times
// and more (supergateway starts one per session), and bundled it starts in about two thirds of the CPU time.
await build({
  absWorkingDir: root,
  entryPoints: { "echo-server": path.join(root, "bench", "_echo-server.mjs") },
  outdir: dist("bench"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  banner: {
    js: 'import { createRequire as __mcpgwCreateRequire } from "node:module"; const require = __mcpgwCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
// What went where, for finding out what the boot path loads: `node scripts/bundle.mjs --meta FILE`.
const metaAt = process.argv.indexOf("--meta");
if (metaAt !== -1) writeFileSync(process.argv[metaAt + 1], JSON.stringify(result.metafile));
