// What the benchmarks share: ports, MCP clients, and processes started in their own group.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { openSse } from "./_load.mjs";

/** `npm run bench -- --quick`: every script picks smaller counts and one short round (docs/performance.md: how long). */
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

/**
 * The benchmarks' backend (`_echo-server.mjs`, bundled into one file by `npm run build`: it starts in about 60%
 * of the CPU time) and its definition as a stdio server named `echo`.
 */
export const ECHO = path.resolve(import.meta.dirname, "..", "dist", "bench", "echo-server.js");
export const ECHO_SERVER = { id: "echo", runtime: { type: "local-process", command: process.execPath, args: [ECHO] } };

/**
 * The peers measured beside the gateway, each in front of the echo server over stdio, at pinned versions:
 * their package, and their arguments on `port` (`config` is a file they may write their config into).
 */
const PEERS = {
  "mcp-proxy 6.7.19": {
    package: "mcp-proxy",
    version: "6.7.19",
    args: (port) => ["--port", String(port), "--host", "127.0.0.1", "--server", "stream", "--", process.execPath, ECHO],
  },
  "supergateway 4.0.0": {
    package: "supergateway",
    version: "4.0.0",
    args: (port) => [
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
  },
  // mcp-hub 4 serves its clients over legacy HTTP+SSE only (GET /mcp, POST /messages), tools as `<server>__<tool>`.
  "mcp-hub 4.2.1": {
    package: "mcp-hub",
    version: "4.2.1",
    legacySse: true,
    args: (port, config) => {
      writeFileSync(config, JSON.stringify({ mcpServers: { echo: { command: process.execPath, args: [ECHO] } } }));
      return ["--port", String(port), "--config", config];
    },
  },
};

/**
 * Where the peers are installed, once: a second run starts them straight from there, without npx (whose
 * own start costs a second or more of CPU per peer, and looks the package up again).
 */
const PEER_DIR = path.resolve(import.meta.dirname, "..", "node_modules", ".cache", "mcpgw-bench-peers");
const peerPackage = (peer) => path.join(PEER_DIR, "node_modules", peer.package, "package.json");
const installedVersion = (peer) => {
  try {
    return JSON.parse(readFileSync(peerPackage(peer), "utf8")).version;
  } catch {
    return undefined;
  }
};

let installing;
/** Installs the peers' pinned versions into PEER_DIR unless they are there; one npm run however many peers ask. */
function installPeers() {
  installing ??= (async () => {
    if (Object.values(PEERS).every((peer) => installedVersion(peer) === peer.version)) return;
    mkdirSync(PEER_DIR, { recursive: true });
    const dependencies = Object.fromEntries(Object.values(PEERS).map((peer) => [peer.package, peer.version]));
    writeFileSync(
      path.join(PEER_DIR, "package.json"),
      JSON.stringify({ name: "mcpgw-bench-peers", private: true, dependencies }),
    );
    const npm = path.join(path.dirname(process.execPath), "npm");
    const child = spawn(npm, ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: PEER_DIR,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const [code] = await once(child, "exit");
    if (code !== 0) throw new Error(`npm install of the peers in ${PEER_DIR} failed: ${stderr}`);
  })();
  return installing;
}

/**
 * Starts a peer (`mcp-proxy 6.7.19`, `supergateway 4.0.0`, `mcp-hub 4.2.1`) on a free port, installing it first
 * if needed; a peer that needs a config file gets it in `dir`.
 */
export async function startPeer(name, dir) {
  const peer = PEERS[name];
  await installPeers();
  const { bin } = JSON.parse(readFileSync(peerPackage(peer), "utf8"));
  const main = path.join(path.dirname(peerPackage(peer)), typeof bin === "string" ? bin : bin[peer.package]);
  const port = await freePort();
  const args = peer.args(port, path.join(dir, `${peer.package}-${port}.json`));
  const url = `http://127.0.0.1:${port}/mcp`;
  const probe = peer.legacySse ? async (at) => (await openSse(at)).close() : undefined;
  return { ...(await startTarget(name, process.execPath, [main, ...args], url, {}, probe)), legacySse: peer.legacySse };
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
 * `route` answers an MCP initialize. `nodeArgs` are node's own options (`--cpu-prof`), given before the script.
 */
export async function startGatewayProcess({
  name,
  dir,
  settings,
  route = "/mcp/echo",
  root,
  env = {},
  logFile,
  nodeArgs = [],
}) {
  const port = await freePort();
  const config = path.join(dir, `${name.replace(/\W+/g, "-")}.config.json`);
  const own = typeof settings === "function" ? settings(port) : settings;
  writeFileSync(config, JSON.stringify({ listen_addr: `127.0.0.1:${port}`, ...own }));
  const cli = path.join(root ?? path.resolve(import.meta.dirname, ".."), "dist/bundle/cli.js");
  return startTarget(
    name,
    process.execPath,
    [...nodeArgs, cli, "serve", "--config", config],
    `http://127.0.0.1:${port}${route}`,
    env,
    undefined,
    logFile,
  );
}

/**
 * Starts targets at once (the peers take seconds each to start); resolves with them all, or, once
 * every start has settled, stops those that came up and throws the first failure.
 */
export async function startAll(startings) {
  const outcomes = await Promise.allSettled(startings);
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (!failed) return outcomes.map((outcome) => outcome.value);
  await Promise.all(outcomes.filter((outcome) => outcome.status === "fulfilled").map(({ value }) => value.stop()));
  throw failed.reason;
}
