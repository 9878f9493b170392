import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers/files.js";
import { callTool, fixtureServer, readLines, startGateway } from "./harness.js";

test("after one run, a server's lists (every page, unknown fields kept) are answered from disk without starting it", async (t) => {
  const dir = tempDir(t);
  const pids = path.join(dir, "pids");
  const servers = [fixtureServer("vendor", "vendor-fields-server", { env: { PID_FILE: pids } })];
  const first = await startGateway(t, { servers }, dir);
  assert.equal(await first.supervisor.capabilities("vendor"), undefined, "nothing is known before the first run");
  await first.supervisor.start("vendor");
  const live = await first.supervisor.capabilities("vendor");
  assert.deepEqual(
    live?.tools.map((tool) => tool.name),
    ["first", "second"],
  );
  assert.deepEqual(live?.tools[0]?.["x-vendor"], { cost: 3 });
  assert.equal(live?.prompts[0]?.["x-vendor"], true);
  assert.deepEqual(live?.resources, []);
  assert.equal((live?.initialize.serverInfo as { name?: string } | undefined)?.name, "vendor-fields");
  assert.ok(live?.initialize.capabilities.tools);
  assert.equal(typeof live?.initialize.protocolVersion, "string", "the initialize result is kept whole");
  assert.ok(existsSync(path.join(dir, "state", "capabilities", "vendor.json")));
  await first.kernel.stop();

  const second = await startGateway(t, { servers }, dir);
  const cached = await second.supervisor.capabilities("vendor");
  assert.deepEqual(cached?.tools, live?.tools);
  assert.equal(second.supervisor.get("vendor").status, "stopped");
  assert.equal(readLines(pids).length, 1, "the cache answered; nothing was spawned");
  await second.kernel.stop();

  const changed = await startGateway(
    t,
    { servers: [fixtureServer("vendor", "vendor-fields-server", { env: { PID_FILE: pids, EXTRA: "1" } })] },
    dir,
  );
  assert.equal(
    await changed.supervisor.capabilities("vendor"),
    undefined,
    "a changed definition invalidates the entry",
  );
});

test("notifications/tools/list_changed refreshes the cached tool list", async (t) => {
  const gw = await startGateway(t, { servers: [fixtureServer("grow", "probe-server")] });
  await gw.supervisor.start("grow");
  const before = await gw.supervisor.capabilities("grow");
  assert.ok(!before?.tools.some((tool) => tool.name === "late-tool"));
  const changed = new Promise<string | undefined>((resolve) =>
    gw.supervisor.onNotification((event) => {
      if (event.notification.method === "notifications/tools/list_changed") resolve(event.server);
    }),
  );
  await callTool(gw.supervisor, "grow", "add-tool", { name: "late-tool" });
  assert.equal(await changed, "grow", "listeners see the backend's notification, with the server id");
  // The refresh starts before listeners are told, and capabilities() waits for it.
  const after = await gw.supervisor.capabilities("grow");
  assert.ok(after?.tools.some((tool) => tool.name === "late-tool"));
});
