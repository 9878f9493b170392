// subscriptions/listen on the 2026-07-28 leg, fed by the gateway's own events: a backend's list
// change, a reload that changes a server, and resource updates through a backend subscription the
// stream holds while it is open (released when it ends).
import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { textOf } from "../pipeline/support.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, until, type TestContext } from "./support.js";

async function pinned(t: TestContext, url: string): Promise<ModernClient> {
  const client = new ModernClient(
    { name: "listen-test", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(new ModernTransport(new URL(url)));
  t.after(() => client.close());
  return client;
}

/** Every notification of `method` the client receives, in order. */
function heard(client: ModernClient, method: string): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  client.setNotificationHandler(method as "notifications/tools/list_changed", (notification) => {
    seen.push(notification as unknown as Record<string, unknown>);
  });
  return seen;
}

test("a listen stream hears its server's list changes and resource updates; the backend subscription ends with the stream", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("other", RELAY_FIXTURE)],
  });
  const listener = await pinned(t, `${gateway.base}/mcp/relay`);
  const toolsChanged = heard(listener, "notifications/tools/list_changed");
  const updated = heard(listener, "notifications/resources/updated");
  const bystander = await pinned(t, `${gateway.base}/mcp/other`);
  const otherChanged = heard(bystander, "notifications/tools/list_changed");
  const quiet = await bystander.listen({ toolsListChanged: true });
  t.after(() => quiet.close());

  const subscription = await listener.listen({ toolsListChanged: true, resourceSubscriptions: ["relay://watched"] });
  assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true, resourceSubscriptions: ["relay://watched"] });

  const caller = await pinned(t, `${gateway.base}/mcp/relay`);
  await caller.callTool({ name: "add_tool", arguments: { name: "fresh" } });
  await until("the listen stream heard the tool list change", () => toolsChanged.length > 0);

  // The stream's resource subscription reached the backend: `touch` finds relay://watched subscribed.
  const touched = await until("the backend subscription is in place", async () => {
    const answer = JSON.parse(textOf((await caller.callTool({ name: "touch", arguments: {} })) as never));
    return answer.notified ? answer : undefined;
  });
  assert.equal(touched.uri, "relay://watched");
  await until("the update reached the stream", () => updated.length > 0);
  assert.equal((updated[0]!.params as { uri: string }).uri, "relay://watched");
  assert.deepEqual(otherChanged, [], "a stream on another server's endpoint hears nothing of relay");

  // Stream closed: the backend is unsubscribed.
  await subscription.close();
  await until("the backend subscription was released", async () => {
    const answer = JSON.parse(textOf((await caller.callTool({ name: "touch", arguments: {} })) as never));
    return answer.notified === false;
  });
});

test("a reload that changes what clients see of a server (a tool filter) tells the listen streams that see it", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const listener = await pinned(t, `${gateway.base}/mcp`);
  const toolsChanged = heard(listener, "notifications/tools/list_changed");
  const subscription = await listener.listen({ toolsListChanged: true });
  t.after(() => subscription.close());
  const file = path.join(gateway.dir, "mcpgw.config.yaml");
  const config = JSON.parse(readFileSync(file, "utf8")) as { servers: Array<Record<string, unknown>> };
  config.servers[0]!.tools = { deny: ["echo"] };
  writeFileSync(file, JSON.stringify(config));
  const reload = await fetch(`${gateway.base}/admin/reload`, { method: "POST" });
  assert.equal(reload.status, 200, await reload.text());
  await until("the stream heard the reload", () => toolsChanged.length > 0);
  assert.ok(!(await listener.listTools()).tools.some((tool) => tool.name === "relay__echo"), "the filter applies");
});
