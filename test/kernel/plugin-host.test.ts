import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { container, injectable, inject, Lifecycle } from "../../src/di/tsyringe.js";
import { Kernel } from "../../src/kernel/Kernel.js";
import { applyPlugin, checkPlugin, orderPlugins } from "../../src/kernel/PluginHost.js";
import { GatewayError } from "../../src/kernel/errors.js";
import { createToken, coreTokens } from "../../src/di/tokens.js";
import type { GatewayPlugin } from "../../src/plugin/types.js";
import type { Logger } from "../../src/kernel/logger.js";
import { captureLogs } from "../helpers/logs.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";

const plugin = (name: string, extra: Partial<GatewayPlugin> = {}): GatewayPlugin => ({ name, apply() {}, ...extra });
const names = (plugins: GatewayPlugin[]) => plugins.map((p) => p.name);

test("plugins keep config order, with enforce: pre first and post last", () => {
  const ordered = orderPlugins([
    plugin("a"),
    plugin("late", { enforce: "post" }),
    plugin("b"),
    plugin("early", { enforce: "pre" }),
  ]);
  assert.deepEqual(names(ordered), ["early", "a", "b", "late"]);
});

test("a plugin moves after the plugins it depends on", () => {
  const ordered = orderPlugins([
    plugin("consumer", { dependencies: ["provider"] }),
    plugin("other"),
    plugin("provider"),
  ]);
  assert.deepEqual(names(ordered), ["other", "provider", "consumer"]);
});

test("a missing dependency, a cycle and a duplicate name are coded errors naming the plugins", () => {
  assert.throws(
    () => orderPlugins([plugin("consumer", { dependencies: ["vault"] })]),
    (e: unknown) =>
      e instanceof GatewayError &&
      e.code === "MCPGW_ERR_PLUGIN_DEPENDENCY" &&
      /'consumer' needs plugin 'vault'/.test(e.message),
  );
  assert.throws(
    () => orderPlugins([plugin("a", { dependencies: ["b"] }), plugin("b", { dependencies: ["a"] })]),
    (e: unknown) =>
      e instanceof GatewayError && e.code === "MCPGW_ERR_PLUGIN_DEPENDENCY" && /cycle: a, b/.test(e.message),
  );
  assert.throws(
    () => orderPlugins([plugin("twin"), plugin("twin")]),
    (e: unknown) => e instanceof GatewayError && e.code === "MCPGW_ERR_PLUGIN_DUPLICATE",
  );
});

test("a factory result without apply or with a bad name is rejected with the specifier", () => {
  assert.throws(
    () => checkPlugin({ name: "x" }, "mcpgw-plugin-x"),
    /Plugin 'mcpgw-plugin-x': its factory must return an object with a name and an apply/,
  );
  assert.throws(() => checkPlugin({ name: "Not Kebab", apply() {} }, "./p.js"), /invalid name 'Not Kebab'/);
});

test("each plugin gets its own child container; provide() shares a service through the root and refuses a second provider", async () => {
  const kernel = new Kernel(container.createChildContainer(), captureLogs().logger, "inspect");
  const greeting = createToken<string>("test.greeting");
  const local = createToken<string>("test.local");
  let seenByConsumer: string | undefined;
  let localSeenByConsumer = true;
  await applyPlugin(
    kernel,
    plugin("provider", {
      apply(ctx) {
        ctx.provide(greeting, "hello");
        ctx.container.register(local, { useValue: "mine" });
      },
    }),
  );
  await applyPlugin(
    kernel,
    plugin("consumer", {
      apply(ctx) {
        seenByConsumer = ctx.container.resolve(greeting);
        localSeenByConsumer = ctx.container.isRegistered(local, true);
      },
    }),
  );
  assert.equal(seenByConsumer, "hello");
  assert.equal(localSeenByConsumer, false);
  await assert.rejects(
    applyPlugin(kernel, plugin("impostor", { apply: (ctx) => ctx.provide(greeting, "bye") })),
    (e: unknown) =>
      e instanceof GatewayError && e.code === "MCPGW_ERR_PROVIDER_CONFLICT" && /'impostor'/.test(e.message),
  );
});

test("classes resolve with explicit @inject tokens inside a plugin's container (ContainerScoped)", async () => {
  const logs = captureLogs();
  const kernel = new Kernel(container.createChildContainer(), logs.logger, "inspect");
  const counterToken = createToken<Counter>("test.counter");
  @injectable()
  class Counter {
    count = 0;
    constructor(@inject(coreTokens.logger) readonly logger: Logger) {}
  }
  let same = false;
  let logger: Logger | undefined;
  await applyPlugin(
    kernel,
    plugin("counting", {
      apply(ctx) {
        ctx.container.register(counterToken, { useClass: Counter }, { lifecycle: Lifecycle.ContainerScoped });
        same = ctx.container.resolve(counterToken) === ctx.container.resolve(counterToken);
        logger = ctx.container.resolve(counterToken).logger;
      },
    }),
  );
  assert.equal(same, true);
  assert.equal(logger, logs.logger);
});

test("a plugin throwing in apply fails with its name and the hook 'apply'", async () => {
  const kernel = new Kernel(container.createChildContainer(), captureLogs().logger, "inspect");
  await assert.rejects(
    applyPlugin(
      kernel,
      plugin("clumsy", {
        apply() {
          throw new Error("forgot something");
        },
      }),
    ),
    (e: unknown) =>
      e instanceof GatewayError &&
      e.code === "MCPGW_ERR_PLUGIN_APPLY" &&
      e.subject.plugin === "clumsy" &&
      e.subject.hook === "apply" &&
      /Plugin 'clumsy' failed in apply: forgot something/.test(e.message),
  );
});

test("an apply that never settles times out with a coded error", async () => {
  const kernel = new Kernel(container.createChildContainer(), captureLogs().logger, "inspect");
  await assert.rejects(
    applyPlugin(kernel, plugin("stuck", { apply: () => new Promise<void>(() => {}) }), 50),
    (e: unknown) =>
      e instanceof GatewayError &&
      e.code === "MCPGW_ERR_PLUGIN_TIMEOUT" &&
      /'stuck' did not finish apply/.test(e.message),
  );
});

test("two plugins providing the same runtime type are a conflict", async () => {
  const kernel = new Kernel(container.createChildContainer(), captureLogs().logger, "inspect");
  const runtime = {
    type: "twin",
    options: { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
    create: async () => ({}) as never,
  };
  await applyPlugin(kernel, plugin("one", { apply: (ctx) => ctx.defineRuntime(runtime) }));
  await assert.rejects(
    applyPlugin(kernel, plugin("two", { apply: (ctx) => ctx.defineRuntime(runtime) })),
    /Runtime type 'twin' is provided by both 'one' and 'two'/,
  );
});

test("through loadGateway, a plugin file that throws in apply becomes a config issue naming it, and no kernel is returned", async (t) => {
  const loaded = await loadTestGateway(t, "plugins:\n  ./broken.mjs: {}\n", {
    files: {
      "broken.mjs": "export default () => ({ name: 'broken', apply() { throw new Error('cannot wire'); } });\n",
    },
  });
  assert.equal(loaded.kernel, undefined);
  assert.deepEqual(errorsOf(loaded), ["Plugin 'broken' failed in apply: cannot wire"]);
  assert.equal(loaded.plugins.find((p) => p.name === "broken")?.status, "failed");
});
