#!/usr/bin/env node
// Not a benchmark (the leading _ keeps bench/run.mjs from running it): the benchmarks' backend: one trivial `echo` tool on the SDK's McpServer, over stdio by default or
// Streamable HTTP with `--http PORT` (the "direct" baseline every proxy is compared with; GET /stats
// then counts its TCP connections and sessions).
import { randomUUID } from "node:crypto";
import { realpathSync } from "node:fs";
import http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

function createServer() {
  const server = new McpServer({ name: "bench-echo", version: "1.0.0" });
  server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  // ECHO_EXTRA_TOOLS=N adds tools tool_1..tool_N, for listing benchmarks.
  for (let i = 1; i <= Number(process.env.ECHO_EXTRA_TOOLS ?? 0); i++)
    server.registerTool(
      `tool_${i}`,
      { description: `Extra tool ${i}`, inputSchema: { text: z.string() } },
      async () => ({
        content: [{ type: "text", text: String(i) }],
      }),
    );
  return server;
}

/**
 * The echo server over Streamable HTTP on `port` (0: any free one), one SDK transport and server per
 * session; resolves with the listening `node:http` server. Exported for bench/session-heap.mjs, which
 * measures what a session costs the SDK itself.
 */
export function listenHttp(port) {
  const sessions = new Map();
  const connections = { open: 0, total: 0 };
  const listener = http.createServer(async (req, res) => {
    // Not MCP: what bench/remote.mjs reads to see how many TCP connections the gateway's sessions hold.
    if (req.method === "GET" && req.url === "/stats") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ connections, sessions: sessions.size }));
      return;
    }
    const id = req.headers["mcp-session-id"];
    let transport = id ? sessions.get(id) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => sessions.set(sid, transport),
      });
      transport.onclose = () => sessions.delete(transport.sessionId);
      await createServer().connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  listener.on("connection", (socket) => {
    connections.open += 1;
    connections.total += 1;
    socket.once("close", () => (connections.open -= 1));
  });
  return new Promise((resolve) => listener.listen(port, "127.0.0.1", () => resolve(listener)));
}

// Run as a program (not imported); the module's own path is a real path, argv[1] may not be.
if (process.argv[1] && realpathSync(process.argv[1]) === import.meta.filename) {
  const httpIndex = process.argv.indexOf("--http");
  if (httpIndex === -1) {
    await createServer().connect(new StdioServerTransport());
  } else {
    const listener = await listenHttp(Number(process.argv[httpIndex + 1] ?? 0));
    process.stderr.write(`listening on http://127.0.0.1:${listener.address().port}/mcp\n`);
  }
}
