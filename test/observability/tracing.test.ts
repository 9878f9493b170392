import "reflect-metadata";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { connectClient, nodeServer, startHttpGateway, type TestContext } from "../http/support.js";
import { repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { STATS_FIXTURE } from "./support.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A local OTLP/HTTP receiver: the exporter's JSON body, decoded into its spans. */
async function otlpReceiver(t: TestContext) {
  const spans: OtlpSpan[] = [];
  const waiters = new Set<() => void>();
  const server = createServer(async (request, response) => {
    const body = JSON.parse(await read(request)) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
    };
    assert.equal(request.url, "/v1/traces");
    assert.match(request.headers["content-type"] ?? "", /application\/json/);
    for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
    for (const wake of waiters) wake();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  // The exporter keeps its connection alive: close it too, or close() waits for it.
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans,
    /** Resolves with the first span `accept` takes, once the exporter has sent it. */
    async span(accept: (span: OtlpSpan) => boolean): Promise<OtlpSpan> {
      for (;;) {
        const found = spans.find(accept);
        if (found) return found;
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
  };
}

/** An HTTP MCP backend (stateless Streamable HTTP) whose tool reports the trace context it received. */
async function tracedBackend(t: TestContext): Promise<string> {
  const http = createServer(async (request, response) => {
    const mcp = new McpServer({ name: "traced", version: "1" });
    mcp.registerTool("context", {}, async (extra) => ({
      content: [
        {
          type: "text",
          text: JSON.stringify({
            header: extra.requestInfo?.headers.traceparent ?? null,
            meta: (extra._meta as Record<string, unknown> | undefined)?.traceparent ?? null,
          }),
        },
      ],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    response.on("close", () => void transport.close());
    await transport.handleRequest(request, response, JSON.parse((await read(request)) || "null"));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  t.after(
    () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

async function read(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value;
const CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";

test("spans reach an OTLP/HTTP receiver, children of the client's traceparent header; the HTTP backend gets the context as header and _meta", async (t) => {
  const receiver = await otlpReceiver(t);
  const backend = await tracedBackend(t);
  const gateway = await startHttpGateway(t, {
    tracing: { otlp_endpoint: receiver.url, service_name: "gw-test" },
    servers: [{ id: "traced", runtime: { type: "remote-sse", url: backend } }],
  });
  const client = await connectClient(t, `${gateway.base}/mcp`, {
    headers: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` },
  });
  const result = await client.callTool({ name: "traced__context", arguments: {} });
  const seen = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as { header: string; meta: string };

  const span = await receiver.span((s) => s.name === "tools/call traced__context");
  assert.equal(span.traceId, CLIENT_TRACE);
  assert.equal(span.parentSpanId, CLIENT_SPAN);
  assert.deepEqual(attribute(span, "mcpgw.server"), { stringValue: "traced" });
  assert.deepEqual(attribute(span, "mcpgw.outcome"), { stringValue: "ok" });
  assert.deepEqual(attribute(span, "mcpgw.principal"), { stringValue: "anonymous" });
  assert.deepEqual(attribute(span, "mcpgw.transport"), { stringValue: "streamable-http" });
  assert.equal(typeof attribute(span, "mcp.session.id")?.stringValue, "string");
  // The backend's parent is the gateway's span, in the body and in the HTTP headers alike.
  assert.equal(seen.meta, `00-${CLIENT_TRACE}-${span.spanId}-01`);
  assert.equal(seen.header, seen.meta);
});

test("a traceparent in the request's _meta is the parent; a backend start the call waited for is a child span", async (t) => {
  const receiver = await otlpReceiver(t);
  const gateway = await startHttpGateway(t, {
    tracing: { otlp_endpoint: receiver.url },
    servers: [nodeServer("s", STATS_FIXTURE)],
  });
  const client = await connectClient(t, `${gateway.base}/sse/s`);
  await gateway.supervisor.stop("s");
  const trace = "0af7651916cd43dd8448eb211c80319c";
  const result = await client.callTool({
    name: "headers",
    arguments: {},
    _meta: { traceparent: `00-${trace}-b7ad6b7169203331-01` },
  });
  const meta = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as { traceparent: string };
  const span = await receiver.span((s) => s.name === "tools/call headers");
  assert.equal(span.traceId, trace);
  assert.equal(span.parentSpanId, "b7ad6b7169203331");
  assert.equal(meta.traceparent, `00-${trace}-${span.spanId}-01`);
  const start = await receiver.span((s) => s.name === "mcpgw.backend.start");
  assert.equal(start.traceId, trace);
  assert.equal(start.parentSpanId, span.spanId);
});

/** The modules a fresh process resolves while it loads, starts and stops a gateway on `config` (a module loader hook counts them). */
function modulesLoaded(t: TestContext, config: Record<string, unknown>): string[] {
  const dir = tempDir(t);
  writeFiles(dir, {
    "mcpgw.config.yaml": JSON.stringify({ listen_addr: "127.0.0.1:0", state_dir: path.join(dir, "state"), ...config }),
    "probe.mjs": `
      import { register } from "node:module";
      import { MessageChannel } from "node:worker_threads";
      const { port1, port2 } = new MessageChannel();
      const seen = [];
      let wake;
      port1.on("message", (url) => { seen.push(url); if (url.includes("end-of-probe")) wake(); });
      const hook = "let port; export function initialize(data) { port = data.port; }" +
        " export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }";
      register("data:text/javascript," + encodeURIComponent(hook), import.meta.url, { data: { port: port2 }, transferList: [port2] });
      const { loadGateway } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, "dist", "src", "gateway", "loadGateway.js")).href)});
      const loaded = await loadGateway({ cwd: ${JSON.stringify(dir)}, env: {}, mode: "serve", configFile: ${JSON.stringify(path.join(dir, "mcpgw.config.yaml"))} });
      await loaded.kernel.start();
      await loaded.kernel.stop();
      const done = new Promise((resolve) => (wake = resolve));
      await import("data:text/javascript,export const x = 'end-of-probe'");
      await done;
      port1.close();
      process.stdout.write(JSON.stringify(seen));
    `,
  });
  const out = execFileSync(process.execPath, [path.join(dir, "probe.mjs")], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "error" },
    timeout: 60_000,
  });
  return JSON.parse(out) as string[];
}

test("without tracing.otlp_endpoint not one OpenTelemetry module is loaded; with it, they are", (t) => {
  const otel = (urls: string[]) => urls.filter((url) => url.includes("@opentelemetry"));
  assert.deepEqual(otel(modulesLoaded(t, { tracing: { service_name: "idle" } })), []);
  assert.ok(otel(modulesLoaded(t, { tracing: { otlp_endpoint: "http://127.0.0.1:9/v1/traces" } })).length > 0);
});
