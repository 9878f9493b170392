import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { container } from "../../src/di/tsyringe.js";
import { Kernel } from "../../src/kernel/Kernel.js";
import { Stage } from "../../src/kernel/hooks.js";
import { GatewayError } from "../../src/kernel/errors.js";
import { captureLogs } from "../helpers/logs.js";

function newKernel(): Kernel {
  return new Kernel(container.createChildContainer(), captureLogs().logger, "inspect");
}

test("taps run by stage, lower first, and in registration order within a stage", async () => {
  const kernel = newKernel();
  const order: string[] = [];
  kernel.hooks.beforeStart.tap({ name: "observe", stage: Stage.OBSERVE }, () => void order.push("observe"));
  kernel.hooks.beforeStart.tap("default-a", () => void order.push("default-a"));
  kernel.hooks.beforeStart.tap({ name: "auth", stage: Stage.AUTHENTICATE }, () => void order.push("auth"));
  kernel.hooks.beforeStart.tap("default-b", () => void order.push("default-b"));
  kernel.hooks.beforeStart.tap({ name: "first", stage: Stage.FIRST }, () => void order.push("first"));
  await kernel.hooks.beforeStart.promise();
  assert.deepEqual(order, ["first", "auth", "default-a", "default-b", "observe"]);
});

test("the waterfall config hook passes each tap's result to the next", async () => {
  const kernel = newKernel();
  kernel.hooks.config.tap("a", (config) => ({ ...config, a: 1 }));
  kernel.hooks.config.tap("b", (config) => ({ ...config, b: (config.a as number) + 1 }));
  const result = await kernel.hooks.config.promise({}, { mode: "inspect", cwd: "/", env: {} });
  assert.deepEqual(result, { a: 1, b: 2 });
});

test("shutdown taps run last-registered first (LIFO), explicit stages still win", async () => {
  const kernel = newKernel();
  const order: string[] = [];
  kernel.hooks.shutdown.tap("first-applied", () => void order.push("first-applied"));
  kernel.hooks.shutdown.tapPromise("second-applied", async () => void order.push("second-applied"));
  kernel.hooks.shutdown.tap({ name: "pinned-last", stage: Stage.LAST }, () => void order.push("pinned-last"));
  kernel.hooks.shutdown.tap("third-applied", () => void order.push("third-applied"));
  kernel.hooks.beforeShutdown.tap("front-a", () => void order.push("before:front-a"));
  kernel.hooks.beforeShutdown.tap("front-b", () => void order.push("before:front-b"));
  kernel.setConfig({ servers: [], secrets: [] } as never);
  await kernel.stop();
  assert.deepEqual(order, [
    "before:front-b",
    "before:front-a",
    "third-applied",
    "second-applied",
    "first-applied",
    "pinned-last",
  ]);
  assert.equal(kernel.state, "stopped");
});

test("stop is idempotent: a second call waits for the same shutdown", async () => {
  const kernel = newKernel();
  let runs = 0;
  kernel.hooks.shutdown.tapPromise("count", async () => void runs++);
  await Promise.all([kernel.stop(), kernel.stop()]);
  await kernel.stop();
  assert.equal(runs, 1);
});

test("shutdown still runs when beforeShutdown fails, and the error surfaces", async () => {
  const kernel = newKernel();
  let released = false;
  kernel.hooks.beforeShutdown.tap("broken", () => {
    throw new Error("drain failed");
  });
  kernel.hooks.shutdown.tap("release", () => void (released = true));
  await assert.rejects(kernel.stop(), /Plugin 'broken' failed in hook 'beforeShutdown': drain failed/);
  assert.equal(released, true);
});

test("an error thrown in a tap is wrapped with the plugin and hook names", async () => {
  const kernel = newKernel();
  await kernel.withPlugin("my-plugin", () => {
    kernel.hooks.beforeStart.tapPromise("whatever-name", async () => {
      throw new TypeError("boom");
    });
  });
  const error = await kernel.hooks.beforeStart.promise().then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GatewayError);
  assert.equal(error.code, "MCPGW_ERR_PLUGIN_HOOK");
  assert.equal(error.subject.plugin, "my-plugin");
  assert.equal(error.subject.hook, "beforeStart");
  assert.match(error.message, /Plugin 'my-plugin' failed in hook 'beforeStart': boom/);
  assert.ok(error.cause instanceof TypeError);
});

test("sync and callback-style taps are wrapped too; taps made outside apply are named by their tap name", async () => {
  const kernel = newKernel();
  kernel.hooks.initialize.tap("sync-thrower", () => {
    throw new Error("sync boom");
  });
  assert.throws(() => kernel.hooks.initialize.call(), /Plugin 'sync-thrower' failed in hook 'initialize': sync boom/);
  kernel.hooks.listen.tapAsync("callback-style", (callback) => callback(new Error("cb boom")));
  await assert.rejects(kernel.hooks.listen.promise(), /Plugin 'callback-style' failed in hook 'listen': cb boom/);
});

test("a GatewayError thrown on purpose (an auth rejection) passes through unwrapped", async () => {
  const kernel = newKernel();
  kernel.hooks.beforeStart.tapPromise("auth", async () => {
    throw new GatewayError("MCPGW_ERR_UNAUTHORIZED", "API key required");
  });
  await assert.rejects(
    kernel.hooks.beforeStart.promise(),
    (error: unknown) =>
      error instanceof GatewayError && error.code === "MCPGW_ERR_UNAUTHORIZED" && error.message === "API key required",
  );
});

test("runtime hooks are keyed by type, and their taps are wrapped as well", async () => {
  const kernel = newKernel();
  await kernel.withPlugin("odd-runtime", () => {
    kernel.hooks.runtime.for("odd").tapPromise("odd-runtime", async () => {
      throw new Error("no backend");
    });
  });
  assert.equal(kernel.hooks.runtime.get("even"), undefined);
  await assert.rejects(
    kernel.hooks.runtime.get("odd")!.promise({} as never, {} as never),
    /Plugin 'odd-runtime' failed in hook 'runtime': no backend/,
  );
});

test("start runs beforeStart, listen, started in order; a failing started tap is logged, not fatal", async () => {
  const logs = captureLogs();
  const kernel = new Kernel(container.createChildContainer(), logs.logger, "serve");
  const order: string[] = [];
  kernel.hooks.beforeStart.tap("p", () => void order.push("beforeStart"));
  kernel.hooks.listen.tap("p", () => void order.push(`listen:${kernel.state}`));
  kernel.hooks.started.tapPromise("p", async () => {
    order.push(`started:${kernel.state}`);
    throw new Error("banner failed");
  });
  await assert.rejects(kernel.start(), /before it was loaded|Cannot start/);
  kernel.setConfig({ servers: [], secrets: [] } as never);
  await kernel.start();
  assert.deepEqual(order, ["beforeStart", "listen:starting", "started:running"]);
  assert.match(logs.text(), /banner failed/);
  await kernel.stop();
});

test("the config cannot be read before it is loaded", () => {
  const kernel = newKernel();
  assert.throws(
    () => kernel.config,
    (error: unknown) => error instanceof GatewayError && error.code === "MCPGW_ERR_LIFECYCLE",
  );
});
