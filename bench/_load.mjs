// The raw load generator: MCP sessions prepared once (initialize, initialized), then tools/call
// POSTs written straight to a keep-alive socket per session, with no SDK client in the way, so the
// figures are the target's, not the client's. Speaks Streamable HTTP and the legacy HTTP+SSE transport.
import http from "node:http";

const PROTOCOL_VERSION = "2025-06-18";
const ACCEPT = "application/json, text/event-stream";

/** One request on the session's own connection; resolves with status, headers and the whole body. */
function post(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "POST",
      agent,
      headers: { ...headers, "content-type": "application/json" },
    });
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }),
      );
      response.on("error", reject);
    });
    request.end(body);
  });
}

const initializeBody = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench-raw", version: "1" } },
});
const initializedBody = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });

/** Whether an answer (JSON or one SSE event) carries the result of request `id`. */
const answers = (body, id) =>
  body.includes(`"id":${id}`) && body.includes('"result"') && !body.includes('"isError":true');

/** A Streamable HTTP session: `call(body, id)` resolves true when the answer is a successful result. */
export async function openStreamable(url, extraHeaders = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = { accept: ACCEPT, ...extraHeaders };
  const init = await post(agent, url, base, initializeBody);
  if (init.status !== 200) throw new Error(`initialize at ${url}: HTTP ${init.status} ${init.body.slice(0, 200)}`);
  const headers = { ...base, "mcp-protocol-version": PROTOCOL_VERSION };
  const session = init.headers["mcp-session-id"];
  if (session) headers["mcp-session-id"] = session;
  await post(agent, url, headers, initializedBody);
  return {
    async call(body, id) {
      const answer = await post(agent, url, headers, body);
      return answer.status === 200 && answers(answer.body, id);
    },
    async close() {
      if (session)
        await new Promise((resolve) =>
          http.request(url, { method: "DELETE", agent, headers }, resolve).on("error", resolve).end(),
        );
      agent.destroy();
    },
  };
}

/** A legacy HTTP+SSE session: answers arrive on the GET stream, matched to their POST by id. */
export async function openSse(url, extraHeaders = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const pending = new Map();
  let endpoint;
  const stream = await new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: "text/event-stream", ...extraHeaders } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET ${url}: HTTP ${response.statusCode}`));
      let buffer = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trimStart())
            .join("\n");
          if (event.includes("event: endpoint")) {
            endpoint = new URL(data, url).href;
            resolve(request);
            continue;
          }
          const id = /"id":(\d+)/.exec(data)?.[1];
          const waiter = id === undefined ? undefined : pending.get(Number(id));
          if (waiter) {
            pending.delete(Number(id));
            waiter(answers(data, id));
          }
        }
      });
    });
    request.on("error", reject);
  });
  const headers = { ...extraHeaders };
  const send = async (body, id) => {
    const answered = new Promise((resolve) => pending.set(id, resolve));
    const accepted = await post(agent, endpoint, headers, body);
    if (accepted.status !== 202) {
      pending.delete(id);
      return false;
    }
    return answered;
  };
  await send(initializeBody, 0);
  await post(agent, endpoint, headers, initializedBody);
  return {
    call: send,
    async close() {
      stream.destroy();
      agent.destroy();
    },
  };
}

const callBody = (tool, id) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: tool, arguments: { text: `call ${id}` } },
  });

/** NaN when no call was measured (a target too slow to answer one within the window): the table says NaN, not a crash. */
const percentile = (sorted, p) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Every session calls `tool` for `seconds` after a warm-up of `warmupSeconds`: back to back, or with
 * `rate` set, the sessions together start `rate` calls a second. Returns requests/s, latency
 * percentiles in ms, and failed calls.
 */
export async function drive(sessions, tool, { seconds, warmupSeconds = 1, rate }) {
  const interval = rate ? (sessions.length * 1000) / rate : 0;
  let id = 1;
  const times = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const loop = async (session, index) => {
    let due = performance.now() + (interval * index) / sessions.length;
    while (!stop) {
      if (interval) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        due += interval;
      }
      const callId = id++;
      const start = process.hrtime.bigint();
      const ok = await session.call(callBody(tool, callId), callId).catch(() => false);
      if (!measuring) continue;
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (!ok) errors += 1;
    }
  };
  const loops = sessions.map(loop);
  await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  await Promise.all(loops);
  times.sort((a, b) => a - b);
  return { rps: times.length / elapsed, p50: percentile(times, 0.5), p99: percentile(times, 0.99), errors };
}
