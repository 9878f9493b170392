import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import path from "node:path";
import { packageNameFor, resolvePlugin } from "../../src/plugin/resolvePlugin.js";
import { GatewayError } from "../../src/kernel/errors.js";
import { BUILTIN_PLUGINS } from "../../src/gateway/builtins.js";
import { shorthandFor } from "../../src/plugin/installedPlugins.js";
import { tempDir, writeFiles } from "../helpers/files.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";

const pluginModule = (name: string) =>
  `export default (options) => ({ name: ${JSON.stringify(name)}, apply() {}, options });\n`;

function fakePackage(
  name: string,
  version: string,
  body = pluginModule(
    name
      .split("/")
      .pop()!
      .replace(/^mcpgw-plugin-?/, "") || "scoped",
  ),
): Record<string, string> {
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({
      name,
      version,
      type: "module",
      exports: { ".": "./index.js" },
    }),
    [`node_modules/${name}/index.js`]: body,
  };
}

test("package names follow the ESLint/Babel shorthand rules", () => {
  assert.equal(packageNameFor("docker"), "mcpgw-plugin-docker");
  assert.equal(packageNameFor("mcpgw-plugin-docker"), "mcpgw-plugin-docker");
  assert.equal(packageNameFor("@acme/vault"), "@acme/mcpgw-plugin-vault");
  assert.equal(packageNameFor("@acme/mcpgw-plugin-vault"), "@acme/mcpgw-plugin-vault");
  assert.equal(packageNameFor("@acme"), "@acme/mcpgw-plugin");
  assert.equal(packageNameFor("module:some-odd-name"), "some-odd-name");
});

test("a built-in id resolves to the bundled plugin, and no package can shadow it", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, fakePackage("mcpgw-plugin-stats", "9.9.9"));
  const resolved = await resolvePlugin("stats", dir, BUILTIN_PLUGINS);
  assert.equal(resolved.source, "builtin");
  assert.equal(resolved.factory({}).name, "stats");
});

test("a path resolves against the config file's folder, not the working directory", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { "plugins/local.mjs": pluginModule("local") });
  const resolved = await resolvePlugin("./plugins/local.mjs", dir, BUILTIN_PLUGINS);
  assert.equal(resolved.source, "file");
  assert.equal(resolved.location, path.join(dir, "plugins/local.mjs"));
  assert.equal(resolved.factory({}).name, "local");
  await assert.rejects(
    resolvePlugin("./plugins/missing.mjs", dir, BUILTIN_PLUGINS),
    /Plugin file not found: .*missing\.mjs \(a plugin path is relative to the config file's folder/,
  );
});

test("shorthand, full and scoped names resolve to packages from the config's folder, with their versions", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    ...fakePackage("mcpgw-plugin-hello", "1.2.3"),
    ...fakePackage("@acme/mcpgw-plugin-vault", "0.4.0"),
    ...fakePackage("@acme/mcpgw-plugin", "2.0.0"),
  });
  for (const specifier of ["hello", "mcpgw-plugin-hello"]) {
    const resolved = await resolvePlugin(specifier, dir, BUILTIN_PLUGINS);
    assert.deepEqual(
      [resolved.source, resolved.packageName, resolved.version],
      ["npm", "mcpgw-plugin-hello", "1.2.3"],
      specifier,
    );
  }
  const scoped = await resolvePlugin("@acme/vault", dir, BUILTIN_PLUGINS);
  assert.deepEqual([scoped.packageName, scoped.version], ["@acme/mcpgw-plugin-vault", "0.4.0"]);
  const scopeOnly = await resolvePlugin("@acme", dir, BUILTIN_PLUGINS);
  assert.deepEqual([scopeOnly.packageName, scopeOnly.version], ["@acme/mcpgw-plugin", "2.0.0"]);
});

test("a missing plugin says what was tried and how to fix it", async (t) => {
  const dir = tempDir(t);
  const error = await resolvePlugin("dokcer", dir, BUILTIN_PLUGINS).then(
    () => assert.fail("resolved"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GatewayError);
  assert.equal(error.code, "MCPGW_ERR_PLUGIN_NOT_FOUND");
  assert.match(
    error.message,
    /Plugin 'dokcer' not found: tried the package 'mcpgw-plugin-dokcer' \(from 'dokcer'\) from /,
  );
  assert.match(error.message, /`npm install mcpgw-plugin-dokcer`/);
  const nearBuiltin = await resolvePlugin("stat", dir, BUILTIN_PLUGINS).then(
    () => assert.fail("resolved"),
    (e: unknown) => e as Error,
  );
  assert.match(nearBuiltin.message, /did you mean the built-in plugin 'stats'\?/);
});

test("a typo in an installed package's name gets a did-you-mean naming the package, from any node_modules up from the config", async (t) => {
  const root = tempDir(t);
  writeFiles(root, {
    ...fakePackage("mcpgw-plugin-echo-runtime", "2.3.4"),
    ...fakePackage("@acme/mcpgw-plugin-vault", "0.4.0"),
  });
  const configDir = path.join(root, "gateway", "config");
  writeFiles(configDir, { "node_modules/mcpgw-plugin-unrelated/package.json": "{}" });
  const notFound = (specifier: string) =>
    resolvePlugin(specifier, configDir, BUILTIN_PLUGINS).then(
      () => assert.fail(`${specifier} resolved`),
      (e: unknown) => e as GatewayError,
    );

  const shorthand = await notFound("echo-runtme");
  assert.ok(shorthand instanceof GatewayError);
  assert.equal(shorthand.code, "MCPGW_ERR_PLUGIN_NOT_FOUND");
  assert.equal(shorthand.subject.plugin, "echo-runtme");
  assert.match(
    shorthand.message,
    /^Plugin 'echo-runtme' not found: tried the package 'mcpgw-plugin-echo-runtme' \(from 'echo-runtme'\) from .*; did you mean 'echo-runtime', the installed package 'mcpgw-plugin-echo-runtime'\?, install it/,
  );
  assert.match(
    (await notFound("mcpgw-plugin-echo-runtme")).message,
    /; did you mean the installed package 'mcpgw-plugin-echo-runtime'\?, install it/,
  );
  assert.match(
    (await notFound("@acme/vualt")).message,
    /; did you mean '@acme\/vault', the installed package '@acme\/mcpgw-plugin-vault'\?, install it/,
  );
  assert.doesNotMatch((await notFound("dokcer")).message, /installed package/);
});

test("an installed package that cannot be resolved says so instead of suggesting itself", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    "node_modules/mcpgw-plugin-broken/package.json": JSON.stringify({
      name: "mcpgw-plugin-broken",
      version: "1.0.0",
      main: "./missing.js",
    }),
  });
  const error = await resolvePlugin("broken", dir, BUILTIN_PLUGINS).then(
    () => assert.fail("resolved"),
    (e: unknown) => e as GatewayError,
  );
  assert.equal(error.code, "MCPGW_ERR_PLUGIN_NOT_FOUND");
  assert.match(
    error.message,
    /^Plugin package 'mcpgw-plugin-broken' \(from 'broken'\) is installed but could not be loaded from /,
  );
});

test("shorthandFor undoes packageNameFor", () => {
  for (const specifier of ["docker", "@acme/vault", "@acme"])
    assert.equal(shorthandFor(packageNameFor(specifier)), specifier);
});

test("a package whose default export is not a factory is rejected by name", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, fakePackage("mcpgw-plugin-odd", "1.0.0", "export default { name: 'odd' };\n"));
  await assert.rejects(
    resolvePlugin("odd", dir, BUILTIN_PLUGINS),
    (e: unknown) =>
      e instanceof GatewayError && e.code === "MCPGW_ERR_PLUGIN_INVALID" && /must export a factory/.test(e.message),
  );
});

test("plugins: false turns a bundled plugin off, and preset: none starts from an empty kernel", async (t) => {
  const off = await loadTestGateway(t, "plugins:\n  stats: false\n  stdio-frontend: false\n");
  assert.deepEqual(
    off.plugins.filter((p) => p.status === "disabled").map((p) => p.name),
    ["stats", "stdio-frontend"],
  );
  assert.ok(off.kernel);
  const none = await loadTestGateway(t, "preset: none\nplugins:\n  api-key-auth: {}\n");
  assert.deepEqual(
    none.plugins.map((p) => `${p.name}:${p.status}`),
    ["api-key-auth:enabled"],
  );
});

test("a missing plugin in the config is an issue on its key, with the line", async (t) => {
  const loaded = await loadTestGateway(t, "log_level: info\nplugins:\n  nosuch: {}\n");
  const issue = loaded.issues.find((i) => i.severity === "error")!;
  assert.deepEqual(issue.path, ["plugins", "nosuch"]);
  assert.equal(issue.line, 3);
  assert.match(issue.message, /Plugin 'nosuch' not found/);
  assert.equal(loaded.plugins.find((p) => p.specifier === "nosuch")?.status, "failed");
});

test("a bundled plugin's bad options are issues at their key path, with a did-you-mean", async (t) => {
  const loaded = await loadTestGateway(t, "plugins:\n  hot-reload:\n    debounce_msec: 10\n");
  assert.deepEqual(errorsOf(loaded), ["Unknown key 'debounce_msec' (did you mean 'debounce_ms'?)"]);
  const issue = loaded.issues[0]!;
  assert.deepEqual(issue.path, ["plugins", "hot-reload", "debounce_msec"]);
  assert.equal(issue.line, 3);
});
