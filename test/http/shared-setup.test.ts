import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import {
  connectClient,
  FULL_CLIENT_CAPABILITIES,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  until,
} from "./support.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

// A shared backend keeps the client setup it was started with; these are the starts no MCP session made.
for (const how of ["autostart", "admin start"] as const) {
  test(`a shared backend started by ${how} can still ask clients for sampling`, async (t) => {
    const gateway = await startHttpGateway(t, {
      servers: [nodeServer("relay", RELAY_FIXTURE, [], how === "autostart" ? { autostart: true } : {})],
    });
    if (how === "autostart") await until("autostart", () => gateway.supervisor.get("relay").status === "running");
    else assert.equal((await fetch(`${gateway.base}/servers/relay/start`, { method: "POST" })).status, 200);
    const client = await connectClient(t, `${gateway.base}/mcp`, {
      capabilities: FULL_CLIENT_CAPABILITIES,
      setup: (c) => {
        c.setRequestHandler(CreateMessageRequestSchema, async () => ({
          role: "assistant",
          content: { type: "text", text: `sampled after ${how}` },
          model: "m",
        }));
        c.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" }));
        c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [] }));
      },
    });
    const answers = text(await client.callTool({ name: "relay__ask", arguments: {} }));
    assert.match(answers, new RegExp(`sampled after ${how}`));
  });
}
