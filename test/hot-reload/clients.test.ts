// What clients see of a reload: list_changed on every transport (Streamable HTTP, legacy SSE,
// stdio) soon after the write, and a removed server's call in flight finishing before it stops.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectStdio } from "../stdio/support.js";
import { connectClient, Tap, until } from "../http/support.js";
import { alive, callText, nextListChanged, probe, ServeGateway, toolNames } from "./support.js";

test("list_changed reaches sessions on /mcp, /sse and stdio after a catalog write; a one-server session of an unchanged server hears nothing", async (t) => {
  const stable = probe("stable");
  const gateway = await ServeGateway.start(t, {}, [stable]);
  const http = await connectClient(t, `${gateway.base}/mcp`);
  const sse = await connectClient(t, `${gateway.base}/sse`);
  const single = await connectClient(t, `${gateway.base}/mcp/stable`);
  // A stdio gateway of its own on the same files (Claude Desktop's way), watching them too.
  const stdio = await connectStdio(t, ["--config", gateway.configFile], { env: { LOG_LEVEL: "info" } });
  await until("the stdio gateway to watch", () => stdio.stderr().includes("Hot reload enabled"));
  const taps = { http: new Tap(http), sse: new Tap(sse), stdio: new Tap(stdio.client) };
  const singleTap = new Tap(single);
  for (const client of [http, sse, stdio.client]) assert.deepEqual(await toolNames(client), await toolNames(http));

  const written = Date.now();
  const told = Object.entries(taps).map(async ([name, tap]) => {
    await nextListChanged(tap, name);
    return `${name} ${Date.now() - written} ms`;
  });
  gateway.writeCatalog([stable, probe("fresh")]);
  const latencies = await Promise.all(told);
  t.diagnostic(`list_changed after the write: ${latencies.join(", ")}`);
  for (const tap of Object.values(taps))
    for (const kind of ["prompts", "resources"])
      await until(`${kind}/list_changed`, () => tap.notifications(`notifications/${kind}/list_changed`).length > 0);
  for (const client of [http, sse, stdio.client]) assert.ok((await toolNames(client)).includes("fresh__echo"));
  assert.equal(await callText(stdio.client, "fresh__echo", { text: "via stdio" }), "via stdio");
  // The write reached every session before this call's answer; the unchanged server's own session got none.
  assert.equal(await callText(single, "echo", { text: "ok" }), "ok");
  assert.equal(singleTap.notifications("notifications/tools/list_changed").length, 0);
});

test("a removed server takes no new call, finishes the 1 s call in flight, then its process exits; its own sessions close", async (t) => {
  const stable = probe("stable");
  const gateway = await ServeGateway.start(t, { plugins: { "hot-reload": { debounce_ms: 50 } } }, [
    stable,
    probe("doomed"),
  ]);
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const own = await connectClient(t, `${gateway.base}/sse/doomed`);
  // The gateway ends the session's event stream; the SSE client's reconnect then finds no such server.
  const ownErrors: string[] = [];
  own.onerror = (error) => ownErrors.push(String(error));
  const pid = Number(await callText(client, "doomed__pid"));
  const tap = new Tap(client);

  const call = client.callTool({ name: "doomed__sleep", arguments: { ms: 1000 } });
  await until("the call to be in flight", async () => {
    const detail = (await (await fetch(`${gateway.base}/servers/doomed`)).json()) as { in_flight: number };
    return detail.in_flight === 1;
  });
  const told = nextListChanged(tap, "/mcp");
  gateway.writeCatalog([stable]);
  await told;
  assert.ok(alive(pid), "the backend runs while its call is in flight");
  assert.ok(!(await toolNames(client)).some((name) => name.startsWith("doomed__")));
  const refused = await client.callTool({ name: "doomed__echo", arguments: { text: "late" } }).catch((e) => e);
  assert.match(String(refused instanceof Error ? refused.message : JSON.stringify(refused)), /-32602.*doomed__echo/);
  assert.equal(((await call).content as Array<{ text: string }>)[0]!.text, "slept 1000");
  await until("the removed server's process to exit", () => !alive(pid));
  await until("its one-server session to close", () => ownErrors.some((error) => /404/.test(error)));
  assert.equal((await fetch(`${gateway.base}/servers/doomed`)).status, 404);
});
