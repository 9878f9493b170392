// A shared backend's notifications name no client: the gateway delivers a log message, a vendor
// notification or a URL elicitation's completion only to the client it can attribute it to (the
// one caller, the only user, the session the elicitation was relayed to), never to a guessed one.
// A and B use one server through /mcp/:id, C is an aggregated /mcp client of the same gateway.
import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { serveNotifyHttp, VENDOR_NOTIFICATION } from "../fixtures/servers/notify-server.js";
import { repoRoot } from "../helpers/files.js";
import { textOf } from "../pipeline/support.js";
import {
  connectClient,
  nextEvent,
  nodeServer,
  standaloneStreamOpen,
  startHttpGateway,
  suiteScope,
  Tap,
  type TestContext,
  type TestGateway,
} from "./support.js";

const NOTIFY_FIXTURE = path.join(repoRoot, "dist", "test", "fixtures", "servers", "notify-server.js");
const ATTRIBUTED = [
  "notifications/message",
  VENDOR_NOTIFICATION,
  "notifications/elicitation/complete",
  "notifications/progress",
];
const LIST_CHANGED = "notifications/tools/list_changed";

const scope = suiteScope();
let gateway: TestGateway;

before(async () => {
  const http = await serveNotifyHttp();
  scope.after(() => http.close());
  gateway = await startHttpGateway(scope, {
    servers: [
      nodeServer("stdio", NOTIFY_FIXTURE),
      // Shared on purpose: a remote server's default (an upstream session per client) is exact by
      // construction (test/runtimes/remote-per-session.test.ts); this checks the rule on one shared session.
      { id: "http", runtime: { type: "remote-sse", url: http.url }, isolation: "shared" },
      nodeServer("byid", NOTIFY_FIXTURE),
      nodeServer("solo", NOTIFY_FIXTURE),
      nodeServer("duo", NOTIFY_FIXTURE),
      nodeServer("cancel", NOTIFY_FIXTURE),
    ],
  });
});
after(() => scope.cleanup());

interface Party {
  readonly client: Client;
  readonly tap: Tap;
  /** The URL elicitations this client was asked to run. */
  readonly elicited: unknown[];
}

/** A client that accepts URL elicitations and watches everything it receives, with its standalone stream open. */
async function party(t: TestContext, path: string, capabilities = {}): Promise<Party> {
  const elicited: unknown[] = [];
  const client = await connectClient(t, `${gateway.base}${path}`, {
    capabilities: { elicitation: { form: {}, url: {} }, ...capabilities },
    setup: (c) =>
      c.setRequestHandler(ElicitRequestSchema, async (request) => {
        elicited.push(request.params);
        return { action: "accept" };
      }),
  });
  const tap = new Tap(client);
  await standaloneStreamOpen(gateway, client);
  return { client, tap, elicited };
}

/** Resolves once `party` has the backend's burst-ending list change: everything the burst sent it has arrived. */
function burstOver(party: Party, count = 1): Promise<unknown> {
  return party.tap.waitForCount((message) => message.method === LIST_CHANGED, count, LIST_CHANGED);
}

/** What of the attributed kinds `party` received, by method. */
function attributedTo(party: Party): string[] {
  return party.tap.messages
    .filter((message) => ATTRIBUTED.includes(message.method) && !("id" in message))
    .map((message) => message.method as string);
}

for (const server of ["stdio", "http"]) {
  test(`${server} backend: the log, vendor notification, progress and URL elicitation completion of A's call reach A alone`, async (t) => {
    const a = await party(t, `/mcp/${server}`);
    const b = await party(t, `/mcp/${server}`);
    const c = await party(t, "/mcp");
    let progressed = 0;
    const result = await a.client.callTool(
      { name: "chatter", arguments: { marker: "A", elicitationId: `sign-in-${server}` } },
      undefined,
      { onprogress: () => void progressed++ },
    );
    assert.equal(textOf(result), "chatter for A");
    assert.equal(progressed, 1);
    assert.deepEqual(attributedTo(a).sort(), [...ATTRIBUTED].sort(), "A got every one, before its result");
    assert.equal(a.tap.notifications("notifications/message")[0]!.params.data, "during A's call");
    assert.equal(
      a.tap.notifications("notifications/elicitation/complete")[0]!.params.elicitationId,
      `sign-in-${server}`,
    );
    assert.equal(a.elicited.length, 1);

    await Promise.all([burstOver(b), burstOver(c)]);
    assert.deepEqual(attributedTo(b), [], "B got none of A's");
    assert.deepEqual(attributedTo(c), [], "C got none of A's");
    assert.deepEqual([b.elicited, c.elicited], [[], []]);
  });
}

test("a URL elicitation's completion goes to the session it was relayed to, whoever's call is in flight; an unknown id to no one", async (t) => {
  const a = await party(t, "/mcp/byid");
  const b = await party(t, "/mcp/byid");
  const c = await party(t, "/mcp");
  // The backend's -32042 names the elicitation A is to run: its completion is A's.
  const refused = await a.client.callTool({ name: "needs-auth", arguments: { elicitationId: "for-a" } }).then(
    () => assert.fail("expected -32042"),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof McpError && refused.code === -32042, String(refused));
  // The completion comes during B's call.
  assert.equal(
    textOf(await b.client.callTool({ name: "complete", arguments: { elicitationId: "for-a" } })),
    "completed for-a",
  );
  const completed = await a.tap.waitFor(
    (message) => message.method === "notifications/elicitation/complete",
    "A's completion",
  );
  assert.deepEqual(completed.params, { elicitationId: "for-a" });
  await Promise.all([burstOver(b), burstOver(c)]);
  assert.deepEqual([attributedTo(b), attributedTo(c)], [[], []], "neither the caller B nor C got A's completion");

  // An id the gateway never relayed: not even the caller gets it.
  await b.client.callTool({ name: "complete", arguments: { elicitationId: "nobody-asked" } });
  await Promise.all([burstOver(a, 2), burstOver(b, 2), burstOver(c, 2)]);
  assert.deepEqual([attributedTo(a).length, attributedTo(b), attributedTo(c)], [1, [], []]);
  assert.ok(
    gateway.logs.records.some(
      (record) =>
        record.level === "debug" &&
        record.server === "byid" &&
        record.method === "notifications/elicitation/complete" &&
        record.msg.includes('no open client session had been sent a URL elicitation with id "nobody-asked"'),
    ),
    "the drop is logged at debug with the reason",
  );
});

test("with no call in flight, a log and a vendor notification go to the only client using the backend, not to a client that only sees it", async (t) => {
  const a = await party(t, "/mcp/solo", { roots: { listChanged: true } });
  const c = await party(t, "/mcp");
  await a.client.callTool({ name: "complete", arguments: { elicitationId: "warm-up" } });
  await Promise.all([burstOver(a), burstOver(c)]);
  // On roots/list_changed the backend logs and sends a vendor notification, unprompted.
  await a.client.sendRootsListChanged();
  await Promise.all([burstOver(a, 2), burstOver(c, 2)]);
  assert.deepEqual(attributedTo(a), ["notifications/message", VENDOR_NOTIFICATION]);
  assert.equal(a.tap.notifications("notifications/message")[0]!.params.logger, "unprompted");
  assert.deepEqual(attributedTo(c), [], "C never used the server");
});

test("with no call in flight and two clients using the backend, a log and a vendor notification are dropped, and the debug log says why", async (t) => {
  const a = await party(t, "/mcp/duo", { roots: { listChanged: true } });
  const b = await party(t, "/mcp/duo");
  await a.client.callTool({ name: "complete", arguments: { elicitationId: "warm-up" } });
  await Promise.all([burstOver(a), burstOver(b)]);
  await a.client.sendRootsListChanged();
  await Promise.all([burstOver(a, 2), burstOver(b, 2)]);
  assert.deepEqual([attributedTo(a), attributedTo(b)], [[], []]);
  for (const method of ["notifications/message", VENDOR_NOTIFICATION])
    assert.ok(
      gateway.logs.records.some(
        (record) =>
          record.level === "debug" &&
          record.server === "duo" &&
          record.method === method &&
          record.msg ===
            `Dropped ${method} from server 'duo': it came while no call was in flight to it and 2 client sessions used it, so the gateway cannot tell which client it is for`,
      ),
      `the drop of ${method} is logged at debug`,
    );
});

test("a backend that cancels its own elicitation cancels it on the client it was relayed to, its first request too", async (t) => {
  const b = await party(t, "/mcp/cancel");
  const cancellations: Array<Promise<unknown>> = [];
  const a = await connectClient(t, `${gateway.base}/mcp/cancel`, {
    capabilities: { elicitation: { form: {} } },
    setup: (c) =>
      c.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
        // The user has not answered yet when the server gives up.
        const aborted = nextEvent<unknown>(
          (deliver) => extra.signal.addEventListener("abort", () => deliver(extra.signal.reason), { once: true }),
          undefined,
          10_000,
          "the elicitation's cancellation",
        );
        cancellations.push(aborted);
        await c.callTool({ name: "cancel-ask", arguments: {} });
        await aborted;
        return { action: "decline" };
      }),
  });
  // The backend's first request (its id 0) and a later one, each the first and a later one to A.
  for (let run = 1; run <= 2; run++) {
    const result = await a.callTool({ name: "ask-then-give-up", arguments: {} });
    assert.equal(textOf(result), "gave up: the server gave up waiting");
  }
  assert.deepEqual(await Promise.all(cancellations), ["the server gave up waiting", "the server gave up waiting"]);
  assert.deepEqual(b.elicited, []);
});
