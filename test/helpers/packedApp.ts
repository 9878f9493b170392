import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { start, type Child } from "../cli/spawn.js";
import { repoRoot, tempDir, writeFiles } from "./files.js";

/*
 * The gateway as users get it: `npm pack`ed, installed from the tarball into an app of its own,
 * run through that app's node_modules/.bin/mcpgw (the bundle), with the SDK and zod installed by npm
 * next to it. In-process tests load dist/src and never see this path.
 */

const execFileAsync = promisify(execFile);
const NPM = path.join(path.dirname(process.execPath), "npm");
/** Longer than any install from a warm cache; a first install may have to fetch metadata from the registry. */
const NPM_TIMEOUT_MS = 5 * 60_000;

type TestContext = { after(fn: () => unknown): void };

export interface PackedApp {
  /** The app's folder: package.json, node_modules, and the files it was given. */
  readonly dir: string;
  /** node_modules/.bin/mcpgw: what `npx mcpgw` runs in the app. */
  readonly mcpgw: string;
}

export interface PackedAppOptions {
  /** Folders of plugin packages to pack and install with the gateway; one with a `build` script is built first. */
  readonly packages?: readonly string[];
  /** Files to write into the app once it is installed, e.g. `{ "mcpgw.config.yaml": "..." }`. */
  readonly files?: Record<string, string>;
}

/** A temporary app with the packed gateway and `packages` installed in it; removed when the test ends. */
export async function packedApp(t: TestContext, options: PackedAppOptions = {}): Promise<PackedApp> {
  const tarballs = await Promise.all([packGateway(), ...(options.packages ?? []).map((dir) => packPackage(dir))]);
  const dir = tempDir(t, "mcpgw-packed-app-");
  writeFiles(dir, {
    "package.json": JSON.stringify({ name: "mcpgw-packed-app", private: true, type: "module" }, null, 2),
  });
  // From npm's cache when it has everything (after the first run, or after `npm ci` in this repo);
  // from the registry for what it lacks. No scripts: nothing here should need one.
  await npm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", ...tarballs],
    dir,
  );
  writeFiles(dir, options.files ?? {});
  const mcpgw = path.join(dir, "node_modules", ".bin", "mcpgw");
  if (!existsSync(mcpgw)) throw new Error(`npm installed the gateway without its mcpgw bin (${mcpgw})`);
  return { dir, mcpgw };
}

/** `mcpgw serve` in the app on a free loopback port; resolves once it listens. Stopped when the test ends. */
export async function servePackedApp(
  t: TestContext,
  app: PackedApp,
  args: readonly string[] = [],
): Promise<{ child: Child; url: string }> {
  const child = start(t, app.mcpgw, ["serve", "--listen-addr", "127.0.0.1:0", ...args], { cwd: app.dir });
  const line = await child.waitForStderr(/"msg":"Listening on http:\/\/127\.0\.0\.1:\d+"/);
  const url = /"msg":"Listening on (http:\/\/127\.0\.0\.1:\d+)"/.exec(line)![1]!;
  return { child, url };
}

/** Every installed copy of package `name` in the app (one means npm deduplicated it), as folders relative to the app. */
export function installedCopies(app: PackedApp, name: string): string[] {
  const found: string[] = [];
  const visit = (modules: string) => {
    if (!existsSync(modules)) return;
    if (existsSync(path.join(modules, name, "package.json")))
      found.push(path.relative(app.dir, path.join(modules, name)));
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const packages = entry.name.startsWith("@")
        ? readdirSync(path.join(modules, entry.name)).map((inner) => path.join(entry.name, inner))
        : [entry.name];
      for (const folder of packages) visit(path.join(modules, folder, "node_modules"));
    }
  };
  visit(path.join(app.dir, "node_modules"));
  return found.sort();
}

const tarballs = new Map<string, Promise<string>>();
let packDir: string | undefined;

/** The gateway as built in dist/, packed once per test process (the tests' own build; pack must not rebuild it). */
export function packGateway(): Promise<string> {
  if (!existsSync(path.join(repoRoot, "dist", "bundle", "cli.js")))
    throw new Error("dist/bundle is missing: run `npm run build` first");
  return memoized(repoRoot, () => npmPack(repoRoot));
}

/** A plugin package, built by its own `npm run build` if it has one, then packed; once per test process. */
function packPackage(dir: string): Promise<string> {
  const folder = realpathSync(dir);
  return memoized(folder, async () => {
    const manifest = JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    if (manifest.scripts?.build) await npm(["run", "build"], folder);
    return npmPack(folder);
  });
}

function memoized(key: string, pack: () => Promise<string>): Promise<string> {
  let tarball = tarballs.get(key);
  if (!tarball) {
    tarball = pack();
    tarballs.set(key, tarball);
    // A failed pack is not remembered: the next test tries again and reports its own error.
    tarball.catch(() => tarballs.delete(key));
  }
  return tarball;
}

async function npmPack(dir: string): Promise<string> {
  if (!packDir) {
    const created = mkdtempSync(path.join(os.tmpdir(), "mcpgw-packs-"));
    packDir = created;
    // Shared by every test in this process, so removed when the process ends rather than after one test.
    process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  const stdout = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], dir);
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  return path.join(packDir, packed!.filename);
}

/** Runs npm (no shell) with the environment of `npmEnv`; resolves to its stdout, fails with its output. */
export async function npm(args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(NPM, args, {
      cwd,
      env: npmEnv(),
      timeout: NPM_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failed = error as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `npm ${args.join(" ")} failed in ${cwd}: ${failed.message}\n${failed.stderr ?? ""}${failed.stdout ?? ""}`,
      { cause: error },
    );
  }
}

/**
 * The parent's environment for npm, without what an outer `npm test` or `node --test` set: npm reads
 * npm_config_* as settings (an inherited local_prefix would install into this repository), and
 * NODE_OPTIONS would reach the gateway. Cache, registry, user config and proxy settings stay.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { npm_config_update_notifier: "false" };
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(NODE_OPTIONS|NODE_TEST_CONTEXT)$/.test(key)) continue;
    if (
      /^npm_/i.test(key) &&
      !/^npm_config_(cache|registry|userconfig|globalconfig|(https?_)?proxy|noproxy|strict_ssl|cafile)$/i.test(key)
    )
      continue;
    env[key] = value;
  }
  return env;
}
