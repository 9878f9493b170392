// What the benchmarks share: ports, MCP clients, and processes started in their own group.
import { spawn } from "node:child_process";
import net from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** `npm run bench -- --quick`: every script picks smaller counts, so the whole run fits in about two minutes. */
export const QUICK = process.env.BENCH_QUICK === "1";

export const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

export async function connect(url) {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export const call = (client, i) => client.callTool({ name: "echo", arguments: { text: `call ${i}` } });

export function stopGroup(child) {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // the group is already gone
  }
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
}

const mcpAnswers = async (url) => {
  const client = await connect(url);
  await client.transport.terminateSession().catch(() => {});
  await client.close();
};

/**
 * Starts a process and resolves once `probe(url)` succeeds, by default an MCP initialize (peers print
 * different banners).
 */
export async function startTarget(name, command, args, url, env = {}, probe = mcpAnswers) {
  const child = spawn(command, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env },
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr.slice(-2000)}`);
    try {
      await probe(url);
      return { name, url, stop: () => stopGroup(child) };
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not come up: ${stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
