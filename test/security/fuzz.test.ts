// Property-based fuzzing of one running gateway (api key set, real stdio backends) with fast-check:
// JSON-RPC bodies on every MCP POST route, header sets, and the lines a backend writes on stdout.
// For every case: the gateway keeps serving, a request with an id gets exactly one JSON-RPC answer
// carrying that id (or an HTTP-level refusal when the request is not valid MCP over HTTP), and no
// answer carries a stack trace or a path of the gateway's files.
// The seed is printed; FC_SEED=<seed> reproduces a run, FC_RUNS=<n> changes the number of cases.
import "reflect-metadata";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import http from "node:http";
import { after, before, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { isJSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { repoRoot } from "../helpers/files.js";
import { fixture } from "../supervisor/harness.js";
import { nodeServer, startHttpGateway, suiteScope, type TestGateway } from "../http/support.js";

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
// Said at once: a run that hangs never reaches the diagnostics that carry the seed.
process.stderr.write(`fuzz seed ${SEED} (FC_SEED=${SEED} reproduces it)\n`);
const RUNS = Number(process.env.FC_RUNS ?? 2_000);
const LANES = 4;
const KEY = "fuzz-key-0123456789abcdef";
const AUTH = `Bearer ${KEY}`;
const PROTOCOL_VERSION = "2025-11-25";
/** Long enough for a loaded machine, short enough that a request nobody answers fails the property. */
const ANSWER_TIMEOUT_MS = 20_000;

const scope = suiteScope();
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let gateway: TestGateway;
/** Streamable HTTP sessions, one per endpoint, opened once and reused by every case. */
const sessions: Record<string, string> = {};
let legacy: LegacySession;

// ---------------------------------------------------------------------------------------------
// Talking to the gateway

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly sessionId?: string;
  readonly body: string;
}

/** One HTTP request with exactly these headers (no Host unless given); rejects if no answer comes in time. */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: gateway.port, method, path, headers, agent, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            contentType: String(res.headers["content-type"] ?? ""),
            sessionId: res.headers["mcp-session-id"] as string | undefined,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    // A deadline for the whole answer, not an idle timeout: a stream that keeps writing must still end.
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms to ${method} ${path}`)),
      ANSWER_TIMEOUT_MS,
    ).unref();
    req.on("close", () => clearTimeout(deadline));
    req.on("error", reject);
    req.end(body);
  });
}

function mcpHeaders(path: string, body: string): Record<string, string> {
  const session = sessions[path];
  return {
    host: `127.0.0.1:${gateway.port}`,
    authorization: AUTH,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": PROTOCOL_VERSION,
    "content-length": String(Buffer.byteLength(body)),
    ...(session !== undefined && { "mcp-session-id": session }),
  };
}

/** The JSON-RPC messages of a reply: a JSON body, or the `data:` of each SSE event. */
function messagesOf(reply: Reply): unknown[] {
  const parse = (text: string): unknown[] => {
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? value : [value];
    } catch {
      return [];
    }
  };
  if (reply.contentType.startsWith("text/event-stream")) return sseEvents(reply.body).flatMap((e) => parse(e.data));
  if (reply.contentType.includes("json")) return parse(reply.body);
  return [];
}

function sseEvents(text: string): Array<{ event: string; data: string }> {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event =
        lines
          .find((line) => line.startsWith("event:"))
          ?.slice(6)
          .trim() ?? "message";
      const data = lines
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      return { event, data };
    })
    .filter((e) => e.data !== "");
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
/** A JSON-RPC answer (the gateway's own `{"error": "<reason>", "message"}` bodies are not). */
const isResponse = (value: unknown): value is Json =>
  isObject(value) && value.jsonrpc === "2.0" && ("result" in value || "error" in value);
const hasRequestId = (value: unknown): value is Json & { id: string | number } =>
  isObject(value) && typeof value.method === "string" && (typeof value.id === "string" || typeof value.id === "number");

/** A stack frame (`at f (file.js:1:2)`, `at node:internal/...`) or a path into this checkout. */
const STACK_FRAME = /\bat (?:[^\n]*\()?(?:node:internal|file:\/\/|\/)[^\n]*:\d+:\d+/;
function assertNoStackTrace(text: string, where: string): void {
  assert.doesNotMatch(text, STACK_FRAME, `${where}: a stack frame reached the client: ${text.slice(0, 2_000)}`);
  assert.ok(!text.includes(repoRoot), `${where}: a gateway file path reached the client: ${text.slice(0, 2_000)}`);
}

/** A legacy HTTP+SSE session (GET /sse, POST /messages) whose answers arrive on the event stream. */
class LegacySession {
  readonly answers = new Map<string, number>();
  readonly #arrived = new EventEmitter();
  #buffer = "";
  sessionPath = "";
  #request?: http.ClientRequest;

  async open(): Promise<void> {
    const endpoint = new Promise<string>((resolve, reject) => {
      this.#request = http.get(
        {
          host: "127.0.0.1",
          port: gateway.port,
          path: "/sse",
          headers: { authorization: AUTH, accept: "text/event-stream" },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          res.setEncoding("utf8").on("data", (chunk: string) => {
            this.#buffer += chunk;
            const blocks = this.#buffer.split(/\r?\n\r?\n/);
            this.#buffer = blocks.pop()!;
            for (const { event, data } of sseEvents(blocks.join("\n\n"))) {
              if (event === "endpoint") resolve(data);
              else this.#onMessage(data);
            }
          });
        },
      );
      this.#request.on("error", reject);
    });
    this.sessionPath = await endpoint;
  }

  #onMessage(data: string): void {
    assertNoStackTrace(data, "GET /sse");
    const message: unknown = JSON.parse(data);
    if (!isResponse(message)) return;
    const key = JSON.stringify(message.id);
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
    this.#arrived.emit(key);
  }

  /** Resolves when the answer with this id has arrived on the stream; rejects after the answer timeout. */
  async answerTo(id: unknown): Promise<void> {
    const key = JSON.stringify(id);
    if (this.answers.has(key)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#arrived.off(key, done);
        reject(new Error(`no answer with id ${key} on the /sse stream within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#arrived.once(key, done);
    });
  }

  close(): void {
    this.#request?.destroy();
  }
}

async function openSession(path: string): Promise<void> {
  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "fuzzer", version: "1" } },
  });
  const opened = await send("POST", path, mcpHeaders(path, initialize), initialize);
  assert.equal(opened.status, 200, opened.body);
  sessions[path] = opened.sessionId!;
  const initialized = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
  const accepted = await send("POST", path, mcpHeaders(path, initialized), initialized);
  assert.equal(accepted.status, 202, accepted.body);
}

async function assertHealthy(): Promise<void> {
  const health = await send("GET", "/health", { host: `127.0.0.1:${gateway.port}` });
  assert.equal(health.status, 200, health.body);
}

/**
 * Runs a property for RUNS cases, split over LANES concurrent runs (lane i uses seed SEED + i), so the
 * gateway sees several cases at once and the whole stays fast; then checks the gateway still serves.
 */
async function check<T>(
  t: { diagnostic(message: string): void },
  name: string,
  arbitrary: fc.Arbitrary<T>,
  run: (value: T) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  const lanes = await Promise.all(
    Array.from({ length: LANES }, (_, lane) =>
      fc.check(fc.asyncProperty(arbitrary, run), {
        seed: SEED + lane,
        numRuns: Math.ceil(RUNS / LANES),
      }),
    ),
  );
  for (const details of lanes.filter((lane) => lane.failed)) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    assert.fail(`${name}: ${fc.defaultReportMessage(details)}\n${cause}`);
  }
  const cases = lanes.reduce((sum, lane) => sum + lane.numRuns, 0);
  t.diagnostic(`${name}: ${cases} cases passed in ${LANES} lanes (${Date.now() - started} ms), seed ${SEED}`);
  await assertHealthy();
}

// ---------------------------------------------------------------------------------------------
// What a reply to one POST must be

/** Counts per route and status, printed after each property. */
const statuses = new Map<string, number>();

/**
 * The invariant for one POSTed body: a request with an id (string or number, and a method) gets, on a
 * 2xx, exactly one answer with that id; a request valid by the MCP schema gets it whatever the status
 * (unless it is an `initialize`, or its headers are not all valid);
 * nothing else answers with another id; no stack trace. `/messages` answers on the /sse stream.
 */
async function assertReply(
  route: string,
  text: string,
  reply: Reply,
  viaStream: boolean,
  headersValid = true,
): Promise<void> {
  const where = `POST ${route} ${text.slice(0, 300)} -> ${reply.status} ${reply.body.slice(0, 500)}`;
  statuses.set(`${route} ${reply.status}`, (statuses.get(`${route} ${reply.status}`) ?? 0) + 1);
  assertNoStackTrace(reply.body, where);
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    message = undefined;
  }
  const answers = messagesOf(reply).filter(isResponse);
  const ids = hasRequestId(message) ? [message.id, null] : [null];
  for (const answer of answers)
    assert.ok(
      ids.some((id) => isDeepStrictEqual(answer.id, id)),
      `${where}: an answer with an id that was not asked`,
    );
  if (!hasRequestId(message)) return;
  // A body nested past the front's max_json_depth is refused before parsing, however valid (test/security/limits.test.ts).
  const strict =
    headersValid && isJSONRPCRequest(message) && message.method !== "initialize" && depthOf(message) <= MAX_JSON_DEPTH;
  const ok = reply.status >= 200 && reply.status < 300;
  if (!ok) {
    assert.ok(!strict, `${where}: a valid MCP request got an HTTP-level error instead of its answer`);
    return;
  }
  if (viaStream) {
    assert.equal(reply.status, 202, where);
    if (typeof message.id === "string" && message.id.startsWith(FRESH)) await legacy.answerTo(message.id);
    return;
  }
  const mine = answers.filter((answer) => isDeepStrictEqual(answer.id, message.id));
  assert.equal(mine.length, 1, `${where}: ${mine.length} answers carry the request's id`);
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Ids made fresh at send time (so the /sse stream can count answers per id): `FRESH` + a counter + a suffix. */
const FRESH = "\u0000fresh";
let counter = 0;
function freshen(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(freshen);
  if (!isObject(value) || typeof value.id !== "string" || !value.id.startsWith(FRESH)) return value;
  const n = ++counter;
  return { ...value, id: value.id === `${FRESH}#int` ? 1_000_000 + n : `${FRESH}${n}${value.id.slice(FRESH.length)}` };
}

const KNOWN_METHODS = [
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "initialize",
  "server/discover",
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/roots/list_changed",
];
const TOOL_NAMES = ["echo", "fz__echo", "lines__echo", "nope", "fz__nope", ""];
const small = fc.jsonValue({ maxDepth: 3 });
const shortText = fc.string({ unit: "binary", maxLength: 40 });

const idArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`${FRESH}#int`) },
  { weight: 8, arbitrary: shortText.map((suffix) => `${FRESH}:${suffix}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      1.5,
      -1,
      0,
      1e300,
      Number.MAX_SAFE_INTEGER + 2,
      "",
      {},
      [],
      { id: 1 },
      [1],
    ),
  },
  { weight: 1, arbitrary: small },
);

const paramsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.constantFrom(...TOOL_NAMES), arguments: fc.constant({ text: "hi" }) }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        name: fc.oneof(fc.constantFrom(...TOOL_NAMES), shortText),
        arguments: fc.oneof(fc.dictionary(shortText, small, { maxKeys: 3 }), small),
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        uri: fc.oneof(fc.constantFrom("test://x", "file:///etc/passwd", ""), shortText),
        level: fc.oneof(fc.constantFrom("debug", "info", "error", "emergency"), shortText),
        cursor: fc.oneof(shortText, small),
        _meta: fc.record({ progressToken: fc.oneof(fc.integer(), shortText, small) }, { requiredKeys: [] }),
        requestId: fc.oneof(fc.integer({ min: 0, max: 50 }), shortText),
        protocolVersion: fc.constantFrom(PROTOCOL_VERSION, "2026-07-28", "1999-01-01"),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 2, arbitrary: small },
);

/** A JSON-RPC-shaped object: mostly a request, sometimes a notification, a response, or wrong types. */
const messageArb: fc.Arbitrary<Json> = fc
  .record(
    {
      jsonrpc: fc.oneof(
        { weight: 12, arbitrary: fc.constant("2.0") },
        { weight: 1, arbitrary: fc.constantFrom<unknown>("1.0", 2, null, "") },
      ),
      id: fc.option(idArb, { freq: 6, nil: undefined }),
      method: fc.oneof(
        { weight: 10, arbitrary: fc.constantFrom(...KNOWN_METHODS) },
        { weight: 2, arbitrary: shortText },
        { weight: 1, arbitrary: small },
      ),
      params: fc.option(paramsArb, { freq: 4, nil: undefined }),
      result: fc.option(small, { freq: 1, nil: undefined }),
      server_id: fc.option(fc.constantFrom<unknown>("fz", "nope", 5), { freq: 1, nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));

/** The http-frontend's default max_json_depth: deeper bodies get a 400 naming the option. */
const MAX_JSON_DEPTH = 64;

function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

/** Deep-ish nesting only: deep bodies that stall the event loop are issue 11's limits work, tested elsewhere. */
const nested = fc
  .tuple(fc.integer({ min: 1, max: 100 }), fc.constantFrom("[", '{"a":'))
  .map(([depth, open]) => `${open.repeat(depth)}1${(open === "[" ? "]" : "}").repeat(depth)}`);

const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: messageArb.map((message) => JSON.stringify(message)) },
  { weight: 2, arbitrary: fc.array(messageArb, { maxLength: 4 }).map((batch) => JSON.stringify(batch)) },
  { weight: 1, arbitrary: small.map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: fc.tuple(messageArb, fc.nat()).map(([message, cut]) => JSON.stringify(message).slice(0, cut % 60)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "{",
      "null",
      "1e999999",
      "123456789012345678901234567890",
      `{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
      `{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}`,
      `\uFEFF{"jsonrpc":"2.0","id":1,"method":"ping"}`,
      `{"jsonrpc":"2.0","id":1,"method":"ping","id":2}`,
      `{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}`,
    ),
  },
  { weight: 1, arbitrary: shortText },
  {
    weight: 1,
    arbitrary: nested.map((deep) =>
      JSON.stringify({ jsonrpc: "2.0", id: `${FRESH}#int`, method: "tools/call" }).replace(
        /}$/,
        `,"params":{"name":"echo","arguments":{"text":${deep}}}}`,
      ),
    ),
  },
  { weight: 1, arbitrary: nested },
);

const paramsArbForBackend: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      level: fc.constantFrom("info", "error", "nonsense"),
      data: small,
      logger: shortText,
      uri: shortText,
      progressToken: fc.oneof(fc.integer(), shortText),
      progress: fc.oneof(fc.double(), small),
      requestId: fc.integer({ min: 0, max: 30 }),
      messages: small,
      maxTokens: small,
      message: shortText,
      requestedSchema: small,
      elicitationId: shortText,
    },
    { requiredKeys: [] },
  ),
  small,
);

/** One chunk a backend writes to stdout (base64, so any bytes travel): garbage, JSON, JSON-RPC of every kind. */
function lineArb(): fc.Arbitrary<string> {
  const backendMessage = fc
    .record(
      {
        jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant("2.0") }, { weight: 1, arbitrary: small }),
        id: fc.oneof(fc.integer({ min: -1, max: 30 }), shortText, small),
        method: fc.oneof(
          fc.constantFrom(
            "sampling/createMessage",
            "elicitation/create",
            "roots/list",
            "ping",
            "notifications/message",
            "notifications/progress",
            "notifications/cancelled",
            "notifications/tools/list_changed",
            "notifications/resources/updated",
            "notifications/resources/list_changed",
            "notifications/elicitation/complete",
            "vendor/thing",
          ),
          shortText,
        ),
        params: paramsArbForBackend,
        result: small,
        error: fc.oneof(fc.record({ code: fc.integer(), message: shortText }), small),
      },
      { requiredKeys: [] },
    )
    .map((record) => JSON.stringify(record));
  const text = fc.oneof(
    { weight: 6, arbitrary: backendMessage },
    { weight: 2, arbitrary: backendMessage.chain((json) => fc.nat(json.length).map((cut) => json.slice(0, cut))) },
    { weight: 2, arbitrary: small.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: nested },
    { weight: 1, arbitrary: fc.constantFrom("", "\r", "\n\n", "\uFEFF", "Content-Length: 2\r\n\r\n{}", "\u0000") },
  );
  return fc.oneof(
    { weight: 6, arbitrary: text.map((value) => Buffer.from(value, "utf8").toString("base64")) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("base64")) },
  );
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  // The `lines` backend starts with fuzzed stdout before its first message, from the same seed.
  // No answers in it: one with the id of the gateway's `initialize` would be taken for the answer (the
  // backend's own fault, nothing a gateway can tell apart), and the property would run on a failed start.
  const prelude = fc.sample(
    lineArb().filter((chunk) => !/"(?:result|error)"/.test(Buffer.from(chunk, "base64").toString("utf8"))),
    { seed: SEED, numRuns: 30 },
  );
  gateway = await startHttpGateway(scope, {
    api_keys: [{ name: "fuzzer", key: KEY }],
    servers: [
      nodeServer("fz", fixture("fuzz-lines-server")),
      nodeServer("lines", fixture("fuzz-lines-server"), [], { env: { FUZZ_PRELUDE: JSON.stringify(prelude) } }),
    ],
  });
  for (const path of ["/mcp", "/mcp/fz", "/mcp/lines"]) await openSession(path);
  // The prelude did not keep the backend from starting: the property runs against a live backend.
  assert.deepEqual(await gateway.supervisor.request("lines", { method: "ping" }), {});
  legacy = new LegacySession();
  await legacy.open();
});
after(async () => {
  legacy?.close();
  agent.destroy();
  await scope.cleanup();
});

test(`fuzz: JSON-RPC bodies on /mcp, /mcp/:id, /rpc and /messages (seed ${SEED})`, async (t) => {
  t.diagnostic(`seed ${SEED} (FC_SEED=${SEED} reproduces this run)`);
  await check(t, "bodies", bodyArb, async (template) => {
    const text = template.includes("fresh") ? freshBody(template) : template;
    const routes: Array<[string, Record<string, string>, boolean]> = [
      ["/mcp", mcpHeaders("/mcp", text), false],
      ["/mcp/fz", mcpHeaders("/mcp/fz", text), false],
      [
        "/rpc",
        {
          host: `127.0.0.1:${gateway.port}`,
          authorization: AUTH,
          "content-type": "application/json",
          "x-server-id": "fz",
          "content-length": String(Buffer.byteLength(text)),
        },
        false,
      ],
      [
        legacy.sessionPath,
        {
          host: `127.0.0.1:${gateway.port}`,
          authorization: AUTH,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(text)),
        },
        true,
      ],
    ];
    await Promise.all(
      routes.map(async ([route, headers, viaStream]) =>
        assertReply(route.split("?")[0]!, text, await send("POST", route, headers, text), viaStream),
      ),
    );
  });
  t.diagnostic(`statuses: ${[...statuses].map(([key, n]) => `${key}: ${n}`).join(", ")}`);
  const repeated = [...legacy.answers].filter(([id, n]) => id.includes("fresh") && n !== 1);
  assert.deepEqual(repeated, [], "every id got exactly one answer on the /sse stream");
});

/** The body with each fresh-id placeholder made unique (JSON text in, JSON text out). */
function freshBody(template: string): string {
  try {
    return JSON.stringify(freshen(JSON.parse(template)));
  } catch {
    return template;
  }
}

// Header sets ----------------------------------------------------------------------------------

type HeaderChoice =
  { readonly kind: "valid" } | { readonly kind: "absent" } | { readonly kind: "value"; value: string };

/** A header value Node's client lets through (visible ASCII, space, tab, Latin-1). */
const headerText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.constantFrom("\t", "\u00e9", "\u00ff"),
  ),
  maxLength: 60,
});

function headerArb(nearMisses: string[]): fc.Arbitrary<HeaderChoice> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant<HeaderChoice>({ kind: "valid" }) },
    { weight: 1, arbitrary: fc.constant<HeaderChoice>({ kind: "absent" }) },
    { weight: 2, arbitrary: fc.constantFrom(...nearMisses).map((value): HeaderChoice => ({ kind: "value", value })) },
    { weight: 1, arbitrary: headerText.map((value): HeaderChoice => ({ kind: "value", value })) },
  );
}

const headerSetArb = fc.record({
  route: fc.constantFrom("/mcp", "/mcp/fz", "/rpc", "/messages"),
  method: fc.constantFrom("ping", "tools/list", "initialize"),
  "content-type": headerArb([
    "text/plain",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "APPLICATION/JSON",
    "",
  ]),
  accept: headerArb([
    "application/json",
    "text/event-stream",
    "*/*",
    "text/html",
    "",
    "application/json,text/event-stream",
  ]),
  "mcp-session-id": headerArb(["", "0", "not-a-session", "../../etc/passwd", "\u00e9", "other"]),
  "mcp-protocol-version": headerArb(["2025-03-26", "2025-06-18", "2026-07-28", "1999-01-01", "", "latest"]),
  authorization: headerArb([
    `Bearer ${KEY}x`,
    `bearer ${KEY}`,
    `Basic ${Buffer.from(`u:${KEY}`).toString("base64")}`,
    "Bearer ",
    `Bearer  ${KEY}`,
    KEY,
    "",
  ]),
  host: headerArb(["localhost", "[::1]", "evil.example", "127.0.0.1.nip.io", "", "127.0.0.1:1"]),
  origin: headerArb(["http://evil.example", "null", "http://127.0.0.1", "http://localhost:3000", "file://", ""]),
});

test(`fuzz: header sets on the MCP routes (seed ${SEED})`, async (t) => {
  await check(t, "headers", headerSetArb, async (set) => {
    const id = `${FRESH}${++counter}`;
    const params =
      set.method === "initialize"
        ? { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "fuzzer", version: "1" } }
        : {};
    const body = JSON.stringify({ jsonrpc: "2.0", id, method: set.method, params });
    const valid: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessions[set.route] ?? "",
      "mcp-protocol-version": PROTOCOL_VERSION,
      authorization: AUTH,
      host: `127.0.0.1:${gateway.port}`,
    };
    const headers: Record<string, string> = { "content-length": String(Buffer.byteLength(body)) };
    if (set.route === "/rpc") headers["x-server-id"] = "fz";
    let allValid = true;
    for (const name of [
      "content-type",
      "accept",
      "mcp-session-id",
      "mcp-protocol-version",
      "authorization",
      "host",
      "origin",
    ] as const) {
      const choice = set[name];
      if (choice.kind === "valid") {
        if (valid[name]) headers[name] = valid[name];
      } else {
        allValid = false;
        if (choice.kind === "value") headers[name] = choice.value === "other" ? otherSession(set.route) : choice.value;
      }
    }
    const path = set.route === "/messages" ? legacy.sessionPath : set.route;
    const reply = await send("POST", path, headers, body);
    // A valid initialize on an MCP endpoint opens a session: close it, so the cap is never reached.
    if (reply.sessionId && reply.sessionId !== sessions[set.route])
      await send("DELETE", set.route, { ...mcpHeaders(set.route, ""), "mcp-session-id": reply.sessionId });
    await assertReply(set.route, body, reply, set.route === "/messages", allValid);
  });
});

/** Another endpoint's session: a valid id that is not this route's. */
function otherSession(route: string): string {
  return route === "/mcp" ? sessions["/mcp/fz"]! : sessions["/mcp"]!;
}

// Backend output lines -------------------------------------------------------------------------

test(`fuzz: lines a backend writes to stdout, before and among its messages (seed ${SEED})`, async (t) => {
  await check(t, "backend lines", fc.array(lineArb(), { minLength: 1, maxLength: 5 }), async (chunks) => {
    const emit = JSON.stringify({
      jsonrpc: "2.0",
      id: `${FRESH}${++counter}`,
      method: "tools/call",
      params: { name: "emit", arguments: { chunks } },
    });
    // Other lanes' calls are in flight meanwhile, so the fuzzed lines land among their messages too.
    await assertReply(
      "/mcp/lines",
      emit,
      await send("POST", "/mcp/lines", mcpHeaders("/mcp/lines", emit), emit),
      false,
    );
  });
});
