// The two ends of the pipeline a plugin can reach besides requests: the `backendMessage` hook (a
// backend's notifications and requests on their way to a client, shaped or dropped), and the
// session service, through which a third-party frontend serves MCP on a transport of its own.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import {
  gatewayTokens,
  type BackendMessage,
  type GatewayPlugin,
  type McpRequest,
  type RequestOutcome,
} from "open-mcp-gateway";
import {
  connectClient,
  FULL_CLIENT_CAPABILITIES,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
} from "../http/support.js";
import { filePlugins, textOf } from "./support.js";

test("backendMessage: a tap drops a backend's log messages below warning, rewrites a sampling request, and refuses roots/list", async (t) => {
  const seen: Array<Pick<BackendMessage, "kind" | "server" | "method"> & { principal: string }> = [];
  const shaper: GatewayPlugin = {
    name: "shaper",
    apply(ctx) {
      ctx.use(gatewayTokens.requestHooks).backendMessage.tap("shaper", (message) => {
        seen.push({
          kind: message.kind,
          server: message.server,
          method: message.method,
          principal: message.session.principal.id,
        });
        if (
          message.method === "notifications/message" &&
          ["debug", "info", "notice"].includes(String(message.params.level))
        ) {
          message.drop("too chatty");
        }
        if (message.method === "sampling/createMessage") message.params = { ...message.params, maxTokens: 7 };
        if (message.method === "roots/list") message.drop("roots stay private here");
      });
    },
  };
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: filePlugins(t, [shaper]),
  });
  const logged: string[] = [];
  const asked: Array<{ method: string; maxTokens?: unknown }> = [];
  const client = await connectClient(t, `${gateway.base}/mcp/relay`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: (c) => {
      c.setNotificationHandler(
        LoggingMessageNotificationSchema,
        (notification) => void logged.push(notification.params.level),
      );
      c.setRequestHandler(CreateMessageRequestSchema, (request) => {
        asked.push({ method: "sampling/createMessage", maxTokens: request.params.maxTokens });
        return { role: "assistant", content: { type: "text", text: "hi" }, model: "test" };
      });
      c.setRequestHandler(ElicitRequestSchema, () => {
        asked.push({ method: "elicitation/create" });
        return { action: "accept", content: { colour: "blue" } };
      });
      c.setRequestHandler(ListRootsRequestSchema, () => {
        asked.push({ method: "roots/list" });
        return { roots: [] };
      });
    },
  });

  const log = await client.callTool({ name: "log", arguments: {} });
  assert.deepEqual((log.structuredContent as { sent: string[] }).sent.length, 8, "the backend sent every level");
  assert.deepEqual(
    logged,
    ["warning", "error", "critical", "alert", "emergency"],
    "the dropped levels never reached the client",
  );

  // The backend's roots/list fails, and so does the tool that asked.
  await assert.rejects(
    client.callTool({ name: "ask", arguments: {} }),
    /sent roots\/list, which the gateway did not pass on: roots stay private here/,
  );
  assert.deepEqual(
    asked,
    [{ method: "sampling/createMessage", maxTokens: 7 }, { method: "elicitation/create" }],
    "the client was never asked for roots",
  );

  assert.ok(seen.every((message) => message.server === "relay" && message.principal === "anonymous"));
  assert.deepEqual(
    seen.filter((message) => message.kind === "request").map((message) => message.method),
    ["sampling/createMessage", "elicitation/create", "roots/list"],
  );
  assert.equal(seen.filter((message) => message.method === "notifications/message").length, 8);
});

test("a third-party frontend serves MCP through the session service on its own transport, and the pipeline sees it", async (t) => {
  const outcomes: Array<{ transport: string; principal: string; tool?: string; ok: boolean }> = [];
  let clientEnd: InMemoryTransport | undefined;
  const inMemoryFrontend: GatewayPlugin = {
    name: "in-memory-frontend",
    apply(ctx) {
      ctx
        .use(gatewayTokens.requestHooks)
        .outcome.tap("in-memory-frontend", (request: McpRequest, outcome: RequestOutcome) => {
          if (request.method === "tools/call")
            outcomes.push({
              transport: request.transport,
              principal: request.principal.id,
              tool: request.exposedName,
              ok: outcome.ok,
            });
        });
      let close = async () => {};
      ctx.hooks.listen.tapPromise("in-memory-frontend", async () => {
        const [client, server] = InMemoryTransport.createLinkedPair();
        const session = await ctx
          .use(gatewayTokens.sessions)
          .open({ principal: { id: "embedded", scopes: ["mcp"] }, transport: "in-memory" });
        await session.connect(server);
        clientEnd = client;
        close = () => session.close();
      });
      ctx.hooks.shutdown.tapPromise("in-memory-frontend", () => close());
    },
  };
  await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: filePlugins(t, [inMemoryFrontend]),
  });
  assert.ok(clientEnd, "the frontend opened its session at listen");
  const client = new Client({ name: "embedded", version: "1.0.0" });
  await client.connect(clientEnd);
  t.after(() => client.close());
  const { tools } = await client.listTools();
  assert.ok(
    tools.some((tool) => tool.name === "relay__echo"),
    "an aggregated session: every server, prefixed",
  );
  assert.equal(
    textOf(await client.callTool({ name: "relay__echo", arguments: { text: "in memory" } })),
    "echo: in memory",
  );
  assert.deepEqual(outcomes, [{ transport: "in-memory", principal: "embedded", tool: "relay__echo", ok: true }]);
});
