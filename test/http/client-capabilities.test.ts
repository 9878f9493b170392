// A client that lacks a capability a backend's request needs (sampling, elicitation, roots): through a
// shared backend, which declares every client capability, the backend's request is refused with an MCP
// error naming what the client did not declare; an `isolation: session` backend sees the client's own
// capabilities and can answer without asking.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMessageRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { textOf } from "../pipeline/support.js";
import { connectClient, nodeServer, RELAY_FIXTURE, startHttpGateway } from "./support.js";

test("a backend request for a capability the client did not declare gets an MCP error naming the capability", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("own", RELAY_FIXTURE, [], { isolation: "session" })],
  });

  // Shared: the fixture's "ask" sees every capability declared and asks for sampling first.
  const bare = await connectClient(t, `${gateway.base}/mcp/relay`);
  const refused = await bare.callTool({ name: "ask", arguments: {} }).then(
    () => assert.fail("the call cannot succeed for a client without sampling"),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof McpError, String(refused));
  assert.match(
    refused.message,
    /Server 'relay' asked for sampling\/createMessage, which needs the client capability 'sampling'; this client session did not declare it/,
  );

  // Sampling declared, elicitation not: sampling is answered, elicitation refused by name.
  const samplingOnly = await connectClient(t, `${gateway.base}/mcp/relay`, {
    capabilities: { sampling: {} },
    setup: (client) =>
      client.setRequestHandler(CreateMessageRequestSchema, async () => ({
        model: "m",
        role: "assistant",
        content: { type: "text", text: "hi" },
      })),
  });
  // Two sessions now use the backend; one call in flight is still attributed to its caller.
  await assert.rejects(
    samplingOnly.callTool({ name: "ask", arguments: {} }),
    /Server 'relay' asked for elicitation\/create, which needs the client capability 'elicitation'; this client session did not declare it/,
  );

  // isolation: session: the backend is started with this client's (empty) capabilities and asks nothing.
  const isolated = await connectClient(t, `${gateway.base}/mcp/own`);
  const answered = await isolated.callTool({ name: "ask", arguments: {} });
  assert.deepEqual(JSON.parse(textOf(answered)), {
    sampling: "client has no sampling capability",
    elicitation: "client has no elicitation capability",
    roots: "client has no roots capability",
  });
});
