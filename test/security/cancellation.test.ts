// Cancellation and disconnects on HTTP: a client that leaves its POST cancels the call at the backend
// (notifications/cancelled reaches it, in_flight drops), a request the client cancelled ends its POST,
// and every request with an id gets one answer at once, on every route.
import "reflect-metadata";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { tempDir } from "../helpers/files.js";
import { request } from "../helpers/http.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, suiteScope, until, type TestGateway } from "../http/support.js";

const ACCEPT = "application/json, text/event-stream";

describe("cancellation", () => {
  const scope = suiteScope();
  let gateway: TestGateway;
  let recordFile: string;
  before(async () => {
    recordFile = path.join(tempDir(scope), "relay-records.jsonl");
    gateway = await startHttpGateway(scope, {
      servers: [nodeServer("relay", RELAY_FIXTURE, [], { env: { FIXTURE_RECORD: recordFile } })],
      request_timeout_seconds: 60,
    });
  });
  after(() => scope.cleanup());

  const cancellations = (): Array<Record<string, unknown>> =>
    (existsSync(recordFile) ? readFileSync(recordFile, "utf8") : "")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.type === "cancelled" && record.tool === "slow");
  const inFlight = async () =>
    ((await request(gateway.port, { path: "/servers/relay" })).json() as { in_flight: number }).in_flight;

  async function session(version: string): Promise<Record<string, string>> {
    const answer = await request(gateway.port, {
      method: "POST",
      path: "/mcp/relay",
      headers: { "content-type": "application/json", accept: ACCEPT },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
    });
    assert.equal(answer.status, 200, answer.body);
    return {
      "content-type": "application/json",
      accept: ACCEPT,
      "mcp-session-id": answer.headers["mcp-session-id"] as string,
      "mcp-protocol-version": version,
    };
  }

  /** Starts the fixture's `slow` tool (progress every 100 ms) and resolves once its first progress arrived. */
  async function slowCall(headers: Record<string, string>, id: number, abort?: AbortController) {
    const response = await fetch(`${gateway.base}/mcp/relay`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "slow", arguments: { steps: 600, intervalMs: 100 }, _meta: { progressToken: `p${id}` } },
      }),
      ...(abort && { signal: abort.signal }),
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("notifications/progress")) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the stream stays open until the first progress");
      text += decoder.decode(value, { stream: true });
    }
    return { reader, decoder, text: () => text, append: (more: string) => (text += more) };
  }

  test("an aborted POST of a client that cannot resume cancels the call at the backend at once", async () => {
    const headers = await session("2025-06-18");
    const before = cancellations().length;
    const abort = new AbortController();
    await slowCall(headers, 7, abort);
    assert.equal(await inFlight(), 1);
    abort.abort();
    await until("the backend to see the cancellation", () => cancellations().length > before, 10_000);
    assert.match(String(cancellations().at(-1)!.reason), /closed the HTTP request/);
    await until("in_flight to drop to 0", async () => (await inFlight()) === 0, 10_000);
  });

  test("an aborted POST of a client that can resume is cancelled when it does not come back in time", async () => {
    const headers = await session("2025-11-25");
    const before = cancellations().length;
    const abort = new AbortController();
    const call = await slowCall(headers, 8, abort);
    assert.match(call.text(), /^id: /m, "a 2025-11-25 client gets event ids, so it could resume");
    abort.abort();
    await until("the backend to see the cancellation", () => cancellations().length > before, 20_000);
    assert.match(String(cancellations().at(-1)!.reason), /did not resume it within/);
    await until("in_flight to drop to 0", async () => (await inFlight()) === 0, 10_000);
  });

  test(
    "a request the client cancels gets no answer, and its POST ends; a resume of it gets 204",
    { timeout: 30_000 },
    async () => {
      const headers = await session("2025-11-25");
      const before = cancellations().length;
      const call = await slowCall(headers, 9);
      const lastEventId = [...call.text().matchAll(/^id: (.+)$/gm)].at(-1)![1]!;
      const cancel = await request(gateway.port, {
        method: "POST",
        path: "/mcp/relay",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: 9, reason: "test cancels" },
        }),
      });
      assert.equal(cancel.status, 202);
      for (;;) {
        const { value, done } = await call.reader.read();
        if (done) break;
        call.append(call.decoder.decode(value, { stream: true }));
      }
      assert.doesNotMatch(call.text(), /"id":9/, "no answer for the cancelled request");
      await until("the backend to see the cancellation", () => cancellations().length > before, 10_000);
      const resume = await fetch(`${gateway.base}/mcp/relay`, {
        headers: { ...headers, accept: "text/event-stream", "last-event-id": lastEventId },
      });
      assert.equal(resume.status, 204);
      await until("in_flight to drop to 0", async () => (await inFlight()) === 0, 10_000);
    },
  );

  test("an aborted pass-through POST cancels its call at the backend", async () => {
    const before = cancellations().length;
    const abort = new AbortController();
    const call = fetch(`${gateway.base}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-server-id": "relay" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "slow", arguments: { steps: 600, intervalMs: 100 } },
      }),
      signal: abort.signal,
    }).catch((error: Error) => error);
    await until("the call to reach the backend", async () => (await inFlight()) === 1, 10_000);
    abort.abort();
    assert.ok((await call) instanceof Error);
    await until("the backend to see the cancellation", () => cancellations().length > before, 10_000);
    await until("in_flight to drop to 0", async () => (await inFlight()) === 0, 10_000);
  });

  test(
    "a pass-through request whose params or id is not JSON-RPC's gets its 400 at once",
    { timeout: 20_000 },
    async () => {
      for (const body of [
        { jsonrpc: "2.0", id: 1, method: "tools/list", params: "not an object" },
        { jsonrpc: "2.0", id: 2, method: "tools/list", params: [1, 2] },
        { jsonrpc: "2.0", id: { nested: true }, method: "tools/list" },
      ]) {
        const answer = await request(gateway.port, {
          method: "POST",
          path: "/rpc",
          headers: { "content-type": "application/json", "x-server-id": "relay" },
          body: JSON.stringify(body),
        });
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.json().error, "Bad Request");
        assert.match(
          answer.json().message,
          /Not a valid MCP request or notification: the id must be a string or an integer, params an object/,
        );
      }
    },
  );
});

describe("legacy SSE answers", () => {
  const scope = suiteScope();
  let gateway: TestGateway;
  before(async () => {
    gateway = await startHttpGateway(scope, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  });
  after(() => scope.cleanup());

  test("HEAD /sse answers with the stream's headers and opens no session", { timeout: 20_000 }, async () => {
    for (const path of ["/sse", "/sse/relay"]) {
      const answer = await request(gateway.port, { method: "HEAD", path });
      assert.equal(answer.status, 200, path);
      assert.match(String(answer.headers["content-type"]), /^text\/event-stream/);
    }
    assert.equal((await request(gateway.port, { method: "HEAD", path: "/sse/nope" })).status, 404);
    assert.equal(gateway.frontend.mcp.sessionCount, 0);
  });

  test("/messages refusals are JSON-RPC errors, not plain text", async () => {
    const abort = new AbortController();
    const stream = await fetch(`${gateway.base}/sse`, {
      headers: { accept: "text/event-stream" },
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    let text = "";
    while (!/sessionId=/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(text)![1]!;
    const post = (body: string, contentType = "application/json") =>
      request(gateway.port, { method: "POST", path: endpoint, headers: { "content-type": contentType }, body });
    for (const [body, contentType, status] of [
      ["null", "application/json", 400],
      ['{"foo":1}', "application/json", 400],
      ['{"jsonrpc":"2.0","id":3,"method":"ping","params":"x"}', "application/json", 400],
      ['{"jsonrpc":"2.0","id":4,"method":"ping"}', "text/plain", 415],
    ] as const) {
      const answer = await post(body, contentType);
      assert.equal(answer.status, status, body);
      const error = answer.json();
      assert.equal(error.jsonrpc, "2.0", body);
      assert.equal(typeof error.error.code, "number");
    }
    assert.equal((await post('{"jsonrpc":"2.0","id":3,"method":"ping","params":"x"}')).json().id, 3);
    abort.abort();
  });
});
