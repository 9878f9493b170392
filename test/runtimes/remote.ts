import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CreateMessageResultSchema, type ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { binOf, freePort } from "../supervisor/harness.js";

interface TestContext {
  after(fn: () => unknown): void;
}

/** Runs server-everything's HTTP mode (`streamableHttp` or `sse`) on a free port; killed when the test ends. */
export async function startEverythingHttp(t: TestContext, mode: "streamableHttp" | "sse"): Promise<number> {
  const port = await freePort();
  const child = spawn(binOf("mcp-server-everything"), [mode], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  // It says on stdout or stderr once it listens; waiting for that line is the event.
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (new RegExp(`port ${port}`).test(seen)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server-everything ${mode} exited (${code}): ${seen}`)));
  });
  return port;
}

/** One MCP session the recording upstream opened. */
export interface UpstreamSession {
  readonly id: string;
  /** What the gateway declared for this session in initialize. */
  clientCapabilities(): ClientCapabilities | undefined;
  /** Which TCP connections (numbered as they were accepted) carried this session's POSTs. */
  readonly postSockets: Set<number>;
  deleted: boolean;
}

/**
 * An MCP server on the SDK's Streamable HTTP transport (one McpServer per session) that records its
 * sessions, their DELETEs and the TCP connections their requests came on. Tools: `whoami` (the
 * upstream session id), `ask` (a log message and a sampling request related to the call, then
 * `<session> sampled <answer>`), `hold` (answers once `release()` is called; emits `held` first).
 * Events: `held` (session id), `deleted` (session id).
 */
export class RecordingUpstream extends EventEmitter {
  readonly sessions = new Map<string, UpstreamSession>();
  /** TCP connections accepted so far. */
  connections = 0;
  #release!: () => void;
  #held = new Promise<void>((resolve) => (this.#release = resolve));

  /** The MCP endpoint, once it listens. */
  url = "";

  /** Resolves once the upstream session `id` was deleted (at once if it already was). */
  deletion(id: string): Promise<void> {
    return new Promise((resolve) => {
      const check = (deleted?: string) => {
        if (deleted !== id && !this.sessions.get(id)?.deleted) return;
        this.off("deleted", check);
        resolve();
      };
      this.on("deleted", check);
      check();
    });
  }

  release(): void {
    this.#release();
  }

  newServer(): McpServer {
    const server = new McpServer({ name: "recording-upstream", version: "1.0.0" }, { capabilities: { logging: {} } });
    const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });
    server.registerTool("whoami", { description: "The upstream session id" }, async (extra) =>
      text(String(extra.sessionId)),
    );
    server.registerTool("ask", { description: "Logs, asks for sampling, answers" }, async (extra) => {
      await extra.sendNotification({
        method: "notifications/message",
        params: { level: "info", logger: "ask", data: `during ${extra.sessionId}` },
      });
      const sampled = await extra.sendRequest(
        {
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: "who?" } }], maxTokens: 5 },
        },
        CreateMessageResultSchema,
      );
      return text(`${extra.sessionId} sampled ${(sampled.content as { text: string }).text}`);
    });
    server.registerTool("hold", { description: "Answers once the test releases it" }, async (extra) => {
      this.emit("held", extra.sessionId);
      await this.#held;
      return text(String(extra.sessionId));
    });
    return server;
  }
}

/** Starts a RecordingUpstream on a free loopback port; closed when the test ends. */
export async function startRecordingUpstream(t: TestContext): Promise<RecordingUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const socketIds = new WeakMap<object, number>();
  const upstream = new RecordingUpstream();
  const listener = createServer(async (request, response) => {
    const sessionId = request.headers["mcp-session-id"] as string | undefined;
    const session = sessionId === undefined ? undefined : upstream.sessions.get(sessionId);
    if (session && request.method === "POST") session.postSockets.add(socketIds.get(request.socket)!);
    let transport = sessionId === undefined ? undefined : transports.get(sessionId);
    if (!transport) {
      const server = upstream.newServer();
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, created);
          upstream.sessions.set(id, {
            id,
            clientCapabilities: () => server.server.getClientCapabilities(),
            postSockets: new Set([socketIds.get(request.socket)!]),
            deleted: false,
          });
        },
      });
      transport = created;
      await server.connect(transport);
    }
    await transport.handleRequest(request, response);
    if (request.method === "DELETE" && session) {
      session.deleted = true;
      upstream.emit("deleted", session.id);
    }
  });
  listener.on("connection", (socket) => socketIds.set(socket, ++upstream.connections));
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  upstream.url = `http://127.0.0.1:${(listener.address() as { port: number }).port}/mcp`;
  t.after(async () => {
    upstream.release();
    await Promise.all([...transports.values()].map((transport) => transport.close().catch(() => undefined)));
    listener.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
  });
  return upstream;
}
