// Shared pieces of the HTTP frontend tests: a started gateway on a free loopback port, fixture paths,
// and SDK clients against /mcp, /mcp/:id and /sse.
import "reflect-metadata";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { httpFrontendTokens } from "../../plugins/http-frontend/index.js";
import type { HttpFrontend } from "../../plugins/http-frontend/HttpFrontend.js";
import { coreTokens } from "../../src/di/tokens.js";
import type { Kernel } from "../../src/kernel/Kernel.js";
import type { McpCore } from "../../src/mcp/McpCore.js";
import { gatewayTokens } from "../../src/services/tokens.js";
import type { Supervisor } from "../../src/supervisor/Supervisor.js";
import { repoRoot, tempDir } from "../helpers/files.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";
import type { CapturedLogs } from "../helpers/logs.js";

export type TestContext = { after(fn: () => unknown): void };

export { CONFORMANCE_FIXTURE } from "../helpers/conformance.js";
export const RELAY_FIXTURE = path.join(repoRoot, "dist", "test", "fixtures", "conformance", "relay-server.js");
export const EVERYTHING_BIN = path.join(
  repoRoot,
  "node_modules",
  "@modelcontextprotocol",
  "server-everything",
  "dist",
  "index.js",
);
export const MEMORY_BIN = path.join(
  repoRoot,
  "node_modules",
  "@modelcontextprotocol",
  "server-memory",
  "dist",
  "index.js",
);

export interface TestGateway {
  readonly kernel: Kernel;
  readonly port: number;
  readonly base: string;
  readonly supervisor: Supervisor;
  readonly relay: McpCore;
  readonly frontend: HttpFrontend;
  readonly logs: CapturedLogs;
  readonly dir: string;
}

/** Loads `config` (an object, written as YAML-compatible JSON) with a free loopback port and a temp state_dir, and starts it. */
export async function startHttpGateway(t: TestContext, config: Record<string, unknown>): Promise<TestGateway> {
  const stateDir = tempDir(t, "mcpgw-state-");
  const text = JSON.stringify(
    { listen_addr: "127.0.0.1:0", state_dir: stateDir, health_check_interval_seconds: 0, ...config },
    null,
    2,
  );
  const loaded = await loadTestGateway(t, text);
  assert.deepEqual(errorsOf(loaded), [], "the test config is valid");
  const kernel = loaded.kernel!;
  await kernel.start();
  const frontend = kernel.container.resolve(httpFrontendTokens.frontend);
  const port = frontend.address!.port;
  return {
    kernel,
    port,
    base: `http://127.0.0.1:${port}`,
    supervisor: kernel.container.resolve(coreTokens.supervisor) as Supervisor,
    relay: kernel.container.resolve(gatewayTokens.sessions) as McpCore,
    frontend,
    logs: loaded.logs,
    dir: loaded.dir,
  };
}

/** A server entry running `file` with this Node. */
export function nodeServer(
  id: string,
  file: string,
  args: string[] = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id, runtime: { type: "local-process", command: process.execPath, args: [file, ...args] }, ...extra };
}

export const FULL_CLIENT_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {} },
  roots: { listChanged: true },
};

/** An SDK client connected over Streamable HTTP (`/mcp...`) or legacy SSE (`/sse...`); closed after the test. */
export async function connectClient(
  t: TestContext,
  url: string,
  options: {
    capabilities?: ClientCapabilities;
    name?: string;
    headers?: Record<string, string>;
    setup?: (client: Client) => void;
  } = {},
): Promise<Client> {
  const client = new Client(
    { name: options.name ?? "mcpgw-test", version: "1.0.0" },
    { capabilities: options.capabilities ?? {} },
  );
  options.setup?.(client);
  const requestInit = options.headers ? { headers: options.headers } : undefined;
  const transport = new URL(url).pathname.startsWith("/sse")
    ? new SSEClientTransport(new URL(url), {
        requestInit,
        eventSourceInit: options.headers
          ? {
              fetch: (input, init) =>
                fetch(input, {
                  ...init,
                  headers: { ...(init?.headers as Record<string, string>), ...options.headers },
                }),
            }
          : undefined,
      })
    : new StreamableHTTPClientTransport(new URL(url), { requestInit });
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));
  return client;
}

/** A free loopback TCP port (for servers that take their port from the environment). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts server-everything over HTTP (`streamableHttp` or `sse`) on a free port and waits for its
 * "listening"/"running" line; killed after the test. It listens on all interfaces (it cannot be told otherwise).
 */
export async function startEverything(
  t: TestContext,
  mode: "streamableHttp" | "sse",
): Promise<{ url: string; child: ChildProcess }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [EVERYTHING_BIN, mode], {
      env: { PATH: process.env.PATH ?? "", PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const ready = new Promise<boolean>((resolve) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (/listening on port|running on port/i.test(output)) resolve(true);
        if (/EADDRINUSE/.test(output)) resolve(false);
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", () => resolve(false));
    });
    const ok = await ready;
    if (ok) {
      t.after(async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, "exit");
          child.kill("SIGTERM");
          await exited;
        }
      });
      return { url: `http://127.0.0.1:${port}${mode === "sse" ? "/sse" : "/mcp"}`, child };
    }
    child.kill("SIGKILL");
    if (attempt >= 3) throw new Error(`server-everything ${mode} did not start:\n${output}`);
  }
}

/** Waits (bounded) for `predicate` where no event exists to await. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves with the first value `subscribe` delivers that passes `accept`. */
export function nextEvent<T>(
  subscribe: (deliver: (value: T) => void) => void,
  accept: (value: T) => boolean = () => true,
  timeoutMs = 10_000,
  what = "an event",
): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    subscribe((value) => {
      if (done || !accept(value)) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** The cleanup list of a file-wide fixture (a gateway shared by the tests of one file): run it in `after`. */
export function suiteScope(): TestContext & { cleanup(): Promise<void> } {
  const fns: Array<() => unknown> = [];
  return {
    after: (fn) => void fns.push(fn),
    async cleanup() {
      for (const fn of fns.reverse()) await fn();
    },
  };
}

type Message = Record<string, any>;

/** Every message a client's transport receives, seen before the SDK dispatches it (so nothing is lost to sdk#2580). */
export class Tap {
  readonly messages: Message[] = [];
  readonly #listeners = new Set<(message: Message) => void>();

  constructor(client: Client) {
    const transport = client.transport!;
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      this.messages.push(message as Message);
      for (const listener of this.#listeners) listener(message as Message);
      deliver?.(message, extra);
    };
  }

  notifications(method: string): Message[] {
    return this.messages.filter((message) => message.method === method && !("id" in message));
  }

  /** Resolves with the first message (already seen or arriving) that passes `accept`. */
  waitFor(accept: (message: Message) => boolean, what = "a message", timeoutMs = 10_000): Promise<Message> {
    const seen = this.messages.find(accept);
    if (seen) return Promise.resolve(seen);
    return nextEvent<Message>((deliver) => this.#listeners.add(deliver), accept, timeoutMs, what);
  }

  /** Resolves once `count` messages pass `accept`. */
  async waitForCount(
    accept: (message: Message) => boolean,
    count: number,
    what = "messages",
    timeoutMs = 10_000,
  ): Promise<Message[]> {
    if (this.messages.filter(accept).length < count) {
      await nextEvent<Message>(
        (deliver) => this.#listeners.add(deliver),
        () => this.messages.filter(accept).length >= count,
        timeoutMs,
        `${count} ${what}`,
      );
    }
    return this.messages.filter(accept);
  }
}

/**
 * Resolves once the gateway holds the standalone GET stream of a Streamable HTTP client's session
 * (where notifications unrelated to a request go; one sent before it opens is dropped by the SDK).
 * No event marks it, so this polls (bounded) the SDK transport's stream table.
 */
export async function standaloneStreamOpen(gateway: TestGateway, client: Client): Promise<void> {
  const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
  assert.ok(sessionId, "a Streamable HTTP client with a session");
  await until("the client's GET stream to open", () => {
    const transport = gateway.relay.sessions.get(sessionId)?.server.transport as
      { _webStandardTransport?: { _streamMapping?: Map<string, unknown> } } | undefined;
    const streams = transport?._webStandardTransport?._streamMapping;
    assert.ok(
      streams instanceof Map,
      "SDK internals changed: StreamableHTTPServerTransport._webStandardTransport._streamMapping",
    );
    return streams.has("_GET_stream");
  });
}
