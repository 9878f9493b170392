import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { ElicitRequestSchema, McpError, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { connectClient, EVERYTHING_BIN, nodeServer, startHttpGateway, until } from "./support.js";

test("URL-mode elicitation is relayed both ways: the request path, and the -32042 error path with its data", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("everything", EVERYTHING_BIN, ["stdio"])] });
  const asked: ElicitRequest["params"][] = [];
  const client = await connectClient(t, `${gateway.base}/mcp`, {
    capabilities: { elicitation: { form: {}, url: {} } },
    setup: (c) =>
      c.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params);
        return { action: "accept" };
      }),
  });
  // server-everything registers the tool once it sees a client that can do URL elicitation, then says so with list_changed.
  await until("the URL elicitation tool is listed", async () =>
    (await client.listTools()).tools.some((tool) => tool.name === "everything__trigger-url-elicitation"),
  );

  await client.callTool({
    name: "everything__trigger-url-elicitation",
    arguments: { url: "https://auth.example.com/start", message: "Sign in, please" },
  });
  assert.equal(asked.length, 1);
  assert.equal((asked[0] as { mode?: string }).mode, "url");
  assert.equal((asked[0] as { url?: string }).url, "https://auth.example.com/start");

  const failure = await client
    .callTool({
      name: "everything__trigger-url-elicitation",
      arguments: { url: "https://auth.example.com/other", errorPath: true },
    })
    .then(
      () => assert.fail("expected the -32042 error"),
      (error: unknown) => error,
    );
  assert.ok(failure instanceof McpError, String(failure));
  assert.equal(failure.code, -32042);
  const [elicitation] = (failure.data as { elicitations: Array<{ mode: string; url: string; elicitationId: string }> })
    .elicitations;
  assert.equal(elicitation!.mode, "url", "the error's data (the elicitation to run) passes through");
  assert.match(elicitation!.url, /^https:\/\//);
  assert.ok(elicitation!.elicitationId);
});
