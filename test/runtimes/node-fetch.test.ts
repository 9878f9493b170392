// remote-sse's fetch on node:http (plugins/sse-runtime/nodeFetch.ts) against a real server on loopback: an
// SSE answer that holds only the call's answer comes back as JSON, any other stream as it came; empty
// answers have no body; network errors fail as fetch fails.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import { nodeFetch } from "../../plugins/sse-runtime/nodeFetch.js";

const ANSWER = { jsonrpc: "2.0", id: 1, result: { content: [] } };
const PROGRESS = { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } };

async function serve(t: TestContext, answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => req.resume().once("end", () => answer(res)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const post = (url: string) =>
  nodeFetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

test("an SSE answer holding only the call's answer comes back as that JSON answer, with the session id", async (t) => {
  const url = await serve(t, (res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "mcp-session-id": "s1" });
    res.end(event(ANSWER));
  });
  const response = await post(url);
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.equal(response.headers.get("mcp-session-id"), "s1");
  assert.deepEqual(await response.json(), ANSWER);
});

test("an SSE answer with progress before the answer stays a stream, every event in order", async (t) => {
  const url = await serve(t, (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(event(PROGRESS));
    setTimeout(() => res.end(event(ANSWER)), 20);
  });
  const response = await post(url);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  assert.equal(await response.text(), event(PROGRESS) + event(ANSWER));
});

test("a stream that stays open after its answer is handed over as a stream at once", async (t) => {
  let end!: () => void;
  const url = await serve(t, (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(event(ANSWER));
    end = () => res.end();
  });
  const response = await post(url);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = response.body!.getReader();
  assert.equal(Buffer.from((await reader.read()).value!).toString(), event(ANSWER));
  end();
  assert.equal((await reader.read()).done, true);
});

test("a 202 has no body; an unreachable server fails as fetch fails, with the reason in its cause", async (t) => {
  const url = await serve(t, (res) => res.writeHead(202, { "content-length": "0" }).end());
  const accepted = await post(url);
  assert.equal(accepted.status, 202);
  assert.equal(accepted.body, null);
  const refused = await post("http://127.0.0.1:1/mcp").catch((error: unknown) => error);
  assert.ok(refused instanceof TypeError && refused.message === "fetch failed");
  assert.equal((refused.cause as NodeJS.ErrnoException).code, "ECONNREFUSED");
});
