// What the benchmarks share: ports, MCP clients, and processes started in their own group.
import { spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
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

/** An MCP client on `url`; with `sessionId`, continuing that session (the SDK skips initialize for a known id). */
export async function connect(url, sessionId) {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), sessionId ? { sessionId } : {}));
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
export async function startTarget(name, command, args, url, env = {}, probe = mcpAnswers, logFile) {
  // A log file is what a collector reads; a pipe into this process would bill the gateway for the load generator's reads.
  const child = spawn(command, args, {
    stdio: ["ignore", "ignore", logFile ? openSync(logFile, "a") : "pipe"],
    env: { ...process.env, ...env },
    detached: true,
  });
  let piped = "";
  child.stderr?.on("data", (chunk) => (piped = (piped + chunk).slice(-2000)));
  const stderr = () => (logFile ? readFileSync(logFile, "utf8").slice(-2000) : piped);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr()}`);
    try {
      await probe(url);
      return { name, url, pid: child.pid, stop: () => stopGroup(child) };
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not come up: ${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The benchmarks' backend (`_echo-server.mjs`) and its definition as a stdio server named `echo`. */
export const ECHO = path.join(import.meta.dirname, "_echo-server.mjs");
export const ECHO_SERVER = { id: "echo", runtime: { type: "local-process", command: process.execPath, args: [ECHO] } };

/** The peers measured beside the gateway, each in front of the echo server over stdio, at pinned versions. */
const PEERS = {
  "mcp-proxy 6.7.19": (port) => [
    "mcp-proxy@6.7.19",
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--server",
    "stream",
    "--",
    process.execPath,
    ECHO,
  ],
  "supergateway 4.0.0": (port) => [
    "supergateway@4.0.0",
    "--stdio",
    `${process.execPath} ${ECHO}`,
    "--outputTransport",
    "streamableHttp",
    "--stateful",
    "--port",
    String(port),
    "--logLevel",
    "none",
  ],
};

/** Starts a Streamable HTTP peer (`mcp-proxy 6.7.19`, `supergateway 4.0.0`) through npx on a free port. */
export async function startPeer(name) {
  const port = await freePort();
  return startTarget(name, "npx", ["-y", ...PEERS[name](port)], `http://127.0.0.1:${port}/mcp`);
}

/** Loads and starts a gateway in this process (silent) on `config`, written into `dir`; its files are resolved from there. */
export async function startInProcess(dir, config) {
  const dist = path.resolve(import.meta.dirname, "..", "dist");
  await import("reflect-metadata");
  const { loadGateway } = await import(path.join(dist, "src/gateway/loadGateway.js"));
  const { createLogger } = await import(path.join(dist, "src/kernel/logger.js"));
  const configFile = path.join(dir, "mcpgw.config.json");
  writeFileSync(configFile, JSON.stringify(config));
  const { kernel } = await loadGateway({ configFile, logger: createLogger("silent"), cwd: dir });
  await kernel.start();
  return kernel;
}

/** The echo server speaking Streamable HTTP itself: the direct figure every relay is compared with. */
export async function startDirect(name = "direct SDK server") {
  const port = await freePort();
  return startTarget(name, process.execPath, [ECHO, "--http", String(port)], `http://127.0.0.1:${port}/mcp`);
}

/**
 * Writes `settings` (or `settings(port)`, for a config that names its own port) with a free listen port
 * into `<dir>/<name>.config.json` and starts `mcpgw serve` of the build at `root` on it; resolves once
 * `route` answers an MCP initialize.
 */
export async function startGatewayProcess({ name, dir, settings, route = "/mcp/echo", root, env = {}, logFile }) {
  const port = await freePort();
  const config = path.join(dir, `${name.replace(/\W+/g, "-")}.config.json`);
  const own = typeof settings === "function" ? settings(port) : settings;
  writeFileSync(config, JSON.stringify({ listen_addr: `127.0.0.1:${port}`, ...own }));
  const cli = path.join(root ?? path.resolve(import.meta.dirname, ".."), "dist/bundle/cli.js");
  return startTarget(
    name,
    process.execPath,
    [cli, "serve", "--config", config],
    `http://127.0.0.1:${port}${route}`,
    env,
    undefined,
    logFile,
  );
}

/**
 * Starts targets at once (npx starts of the peers take seconds each); resolves with them all, or, once
 * every start has settled, stops those that came up and throws the first failure.
 */
export async function startAll(startings) {
  const outcomes = await Promise.allSettled(startings);
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (!failed) return outcomes.map((outcome) => outcome.value);
  await Promise.all(outcomes.filter((outcome) => outcome.status === "fulfilled").map(({ value }) => value.stop()));
  throw failed.reason;
}
