// Limits that hold on the HTTP side: oversized and deeply nested bodies get their error (and the client
// receives it), /health answers during a hostile upload, slow clients and connection floods meet
// timeouts and a cap, and one principal's abandoned sessions cannot lock out another's.
import "reflect-metadata";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { request } from "../helpers/http.js";
import { nodeServer, RELAY_FIXTURE, startHttpGateway, suiteScope, until, type TestGateway } from "../http/support.js";

const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};

function initialize(): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
}

function nested(depth: number, inner = "0"): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

/** A raw connection; `answer` resolves with everything the server sent once it closes its side, or on reset. */
function rawConnection(port: number): { socket: Socket; answer: Promise<{ text: string; error?: string }> } {
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const answer = new Promise<{ text: string; error?: string }>((resolve) => {
    let error: string | undefined;
    socket.once("error", (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message));
    socket.once("close", () => resolve({ text: Buffer.concat(chunks).toString("utf8"), ...(error && { error }) }));
  });
  return { socket, answer };
}

describe("request bodies", () => {
  const scope = suiteScope();
  let gateway: TestGateway;
  before(async () => {
    gateway = await startHttpGateway(scope, {
      servers: [nodeServer("relay", RELAY_FIXTURE)],
      plugins: { "http-frontend": { max_body_bytes: 64 * 1024, max_json_values: 5000 } },
    });
  });
  after(() => scope.cleanup());

  test("an oversized body gets its 413 every time, by fetch (declared or streamed) and by a raw socket", async () => {
    // Large enough that the client is still sending when the answer comes (loopback buffers hold a few MiB).
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    for (let round = 0; round < 20; round++) {
      const declared = await fetch(`${gateway.base}/mcp`, { method: "POST", headers: MCP_HEADERS, body: big });
      assert.equal(declared.status, 413, `fetch with Content-Length, round ${round}`);
      assert.equal(((await declared.json()) as { error: { code: number } }).error.code, -32600);

      const streamed = await fetch(`${gateway.base}/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-server-id": "relay" },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 128; i++) controller.enqueue(big.subarray(i * 65536, (i + 1) * 65536));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      assert.equal(streamed.status, 413, `fetch with a chunked body, round ${round}`);
      assert.deepEqual(Object.keys((await streamed.json()) as object), ["error", "message"]);

      // A client that reads its answer only once it has sent its whole request.
      const { socket, answer } = rawConnection(gateway.port);
      await once(socket, "connect");
      socket.pause();
      socket.write(
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`,
      );
      await new Promise<void>((resolve) => socket.write(big, () => resolve()));
      socket.resume();
      socket.end();
      const raw = await answer;
      assert.match(raw.text, /^HTTP\/1\.1 413 /, `raw socket, round ${round} (${raw.error ?? "closed"})`);
    }
  });

  test("JSON nested past max_json_depth is refused while it arrives, with a JSON-RPC error naming the setting", async () => {
    const idText = `{"jsonrpc":"2.0","id":${nested(10_000)},"method":"initialize","params":{}}`;
    const rejected = await request(gateway.port, { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: idText });
    assert.equal(rejected.status, 400);
    assert.equal(rejected.json().error.code, -32600);
    assert.match(rejected.json().error.message, /deeper than 64 levels \(http-frontend max_json_depth\)/);

    const args = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":${nested(10_000)}}}}`;
    const passThrough = await request(gateway.port, {
      method: "POST",
      path: "/rpc",
      headers: { "content-type": "application/json", "x-server-id": "relay" },
      body: args,
    });
    assert.equal(passThrough.status, 400);
    assert.equal(passThrough.json().error, "Bad Request");
    assert.match(passThrough.json().message, /max_json_depth/);

    // Brackets inside strings do not count.
    const inString = JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: nested(100), version: "1" } },
    });
    const fine = await request(gateway.port, { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: inString });
    assert.equal(fine.status, 200, fine.body);
  });

  test("a body holding more than max_json_values values is refused before it is parsed, naming the setting", async () => {
    const many = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":[${"0,".repeat(6000)}0]}}}`;
    const rejected = await request(gateway.port, { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: many });
    assert.equal(rejected.status, 400);
    assert.equal(rejected.json().error.code, -32600);
    assert.match(rejected.json().error.message, /more than 5000 JSON values \(http-frontend max_json_values\)/);
    // The same bytes as one string are one value.
    const one = JSON.stringify({
      jsonrpc: "2.0",
      id: 4,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "0,".repeat(6000), version: "1" },
      },
    });
    const fine = await request(gateway.port, { method: "POST", path: "/mcp", headers: MCP_HEADERS, body: one });
    assert.equal(fine.status, 200, fine.body.slice(0, 300));
  });

  test("/health answers while a hostile body arrives, and the hostile request gets its error", async () => {
    const { socket, answer } = rawConnection(gateway.port);
    await once(socket, "connect");
    const hostile = Buffer.alloc(60 * 1024, "[");
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${hostile.length}\r\n\r\n`,
    );
    const roundTrips: number[] = [];
    const health = async () => {
      const start = performance.now();
      const answered = await request(gateway.port, { path: "/health" });
      roundTrips.push(performance.now() - start);
      assert.equal(answered.status, 200);
    };
    const probes = Promise.all(Array.from({ length: 20 }, health));
    for (let i = 0; i < hostile.length; i += 4096) socket.write(hostile.subarray(i, i + 4096));
    await probes;
    const raw = await answer;
    assert.match(raw.text, /^HTTP\/1\.1 400 /);
    assert.match(raw.text, /"code":-32600/);
    assert.equal(roundTrips.length, 20, "every /health probe answered during the upload");
    const sorted = roundTrips.sort((a, b) => a - b);
    // Reported, not asserted (no wall-clock assertions in unit tests).
    console.log(
      `# /health during a hostile body: median ${sorted[10]!.toFixed(1)} ms, max ${sorted[19]!.toFixed(1)} ms over 20 round trips`,
    );
  });
});

// Node's own defaults (60 s for headers, checked every 30 s) would pass only after the time limit.
test(
  "slow clients: headers and the whole request must arrive in time (408), an SSE stream outlives both",
  { timeout: 30_000 },
  async (t) => {
    const gateway = await startHttpGateway(t, {
      servers: [nodeServer("relay", RELAY_FIXTURE)],
      plugins: { "http-frontend": { headers_timeout_seconds: 1, receive_timeout_seconds: 2 } },
    });
    const stream = rawConnection(gateway.port);
    await once(stream.socket, "connect");
    stream.socket.write("GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    let sse = "";
    const endpoint = new Promise<string>((resolve) => {
      stream.socket.on("data", (chunk: Buffer) => {
        sse += chunk.toString("utf8");
        const match = /data: (\/messages\?sessionId=[^\r\n]+)/.exec(sse);
        if (match) resolve(match[1]!);
      });
    });
    const messages = await endpoint;

    const slowHeaders = rawConnection(gateway.port);
    await once(slowHeaders.socket, "connect");
    slowHeaders.socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    assert.match((await slowHeaders.answer).text, /^HTTP\/1\.1 408 /);

    const slowBody = rawConnection(gateway.port);
    await once(slowBody.socket, "connect");
    slowBody.socket.write(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    const heartbeat = setInterval(() => slowBody.socket.write(" "), 300);
    const slowAnswer = await slowBody.answer;
    clearInterval(heartbeat);
    assert.match(slowAnswer.text, /^HTTP\/1\.1 408 /, "a body trickling in past receive_timeout_seconds");

    // The SSE stream began before both and is still served: a ping gets its answer on it.
    assert.equal(stream.socket.destroyed, false, "the SSE stream is still open");
    const answered = new Promise<void>((resolve) => {
      stream.socket.on("data", () => {
        if (/"id":"alive"/.test(sse)) resolve();
      });
    });
    const ping = await request(gateway.port, {
      method: "POST",
      path: messages,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: "alive", method: "ping" }),
    });
    assert.equal(ping.status, 202);
    await answered;
    stream.socket.destroy();
  },
);

test("max_connections: a connection past the cap is closed at once; a freed slot takes the next one", async (t) => {
  const gateway = await startHttpGateway(t, { plugins: { "http-frontend": { max_connections: 2 } } });
  const held = [rawConnection(gateway.port), rawConnection(gateway.port)];
  await Promise.all(held.map(({ socket }) => once(socket, "connect")));
  // The server counts a connection when it accepts it: a request on each proves both were accepted.
  for (const { socket } of held) socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await Promise.all(held.map(({ socket }) => once(socket, "data")));
  const extra = rawConnection(gateway.port);
  extra.socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const refused = await extra.answer;
  assert.equal(refused.text, "", "closed without an answer");
  held[0]!.socket.destroy();
  await held[0]!.answer;
  // The server frees the slot when it sees the close, a moment after the client: polled, bounded.
  await until("a freed slot to take a new connection", () =>
    request(gateway.port, { path: "/health" }).then(
      (answer) => answer.status === 200,
      () => false,
    ),
  );
  held[1]!.socket.destroy();
});

describe("sessions per principal", () => {
  const KEYS = { a: "key-a-0123456789abcdef", b: "key-b-0123456789abcdef" };
  const scope = suiteScope();
  let gateway: TestGateway;
  before(async () => {
    gateway = await startHttpGateway(scope, {
      api_keys: [
        { name: "a", key: KEYS.a },
        { name: "b", key: KEYS.b },
      ],
      plugins: { "http-frontend": { max_sessions: 10, max_sessions_per_principal: 3 } },
    });
  });
  after(() => scope.cleanup());

  const open = async (key: string) => {
    const answer = await request(gateway.port, {
      method: "POST",
      path: "/mcp",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${key}` },
      body: initialize(),
    });
    return { status: answer.status, id: answer.headers["mcp-session-id"] as string | undefined, body: answer.body };
  };
  const alive = async (key: string, id: string) =>
    (
      await request(gateway.port, {
        method: "POST",
        path: "/mcp",
        headers: { ...MCP_HEADERS, authorization: `Bearer ${key}`, "mcp-session-id": id },
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      })
    ).status !== 404;

  test("at the cap, a principal's oldest idle session makes room; busy ones get that principal a 503, and only it", async () => {
    const first = await open(KEYS.a);
    const second = await open(KEYS.a);
    const third = await open(KEYS.a);
    assert.deepEqual([first.status, second.status, third.status], [200, 200, 200]);
    await alive(KEYS.a, first.id!); // the first is now the most recently used; the second the oldest
    const fourth = await open(KEYS.a);
    assert.equal(fourth.status, 200, fourth.body);
    assert.equal(await alive(KEYS.a, second.id!), false, "the least recently used idle session was closed");
    assert.equal(await alive(KEYS.a, first.id!), true);

    // Every session of `a` busy (a GET stream open on each): nothing can make way.
    const streams = await Promise.all(
      [first, third, fourth].map(async ({ id }) => {
        const abort = new AbortController();
        const response = await fetch(`${gateway.base}/mcp`, {
          headers: { accept: "text/event-stream", authorization: `Bearer ${KEYS.a}`, "mcp-session-id": id! },
          signal: abort.signal,
        });
        assert.equal(response.status, 200);
        return abort;
      }),
    );
    const refused = await open(KEYS.a);
    assert.equal(refused.status, 503);
    assert.match(JSON.parse(refused.body).error.message, /for 'a' \(3, max_sessions_per_principal\)/);
    const other = await open(KEYS.b);
    assert.equal(other.status, 200, "another principal is not locked out");
    for (const abort of streams) abort.abort();
  });
});

test("405 and 501 answers carry their own reason phrase", async (t) => {
  const gateway = await startHttpGateway(t, {});
  const notAllowed = await request(gateway.port, { method: "PUT", path: "/health" });
  assert.equal(notAllowed.status, 405);
  assert.equal(notAllowed.json().error, "Method Not Allowed");
  assert.match(notAllowed.json().message, /PUT is not allowed on \/health/);
  const notImplemented = await request(gateway.port, { method: "PROPFIND", path: "/health" });
  assert.equal(notImplemented.status, 501);
  assert.equal(notImplemented.json().error, "Not Implemented");
});
