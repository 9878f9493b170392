// Real `mcpgw serve` processes in cluster mode on loopback ports, for the cluster tests.
import { connect, createServer } from "node:net";
import path from "node:path";
import { Child, cleanEnv, GATEWAY_HTTP, start } from "../cli/spawn.js";
import { tempDir, writeFiles } from "../helpers/files.js";
import { RELAY_FIXTURE } from "../http/support.js";

export type TestContext = { after(fn: () => Promise<void> | void): void };

export const SECRET = "cluster-test-secret-0123456789abcdef";
export const OTHER_SECRET = "another-cluster-secret-0123456789abcdef";
export const KEYS = { a: "key-a-0123456789", b: "key-b-0123456789" } as const;

/** A loopback port nothing listens on right now (the replica must know its own port for advertise_url). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something accepts connections on a loopback port now (a load balancer that started listening). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface Replica {
  readonly port: number;
  readonly base: string;
  readonly child: Child;
}

export interface ReplicaOptions {
  readonly secret?: string;
  readonly previous?: readonly string[];
  /** More of the `cluster:` block. */
  readonly cluster?: Record<string, unknown>;
  /** More top-level config. */
  readonly config?: Record<string, unknown>;
}

/** Starts one replica serving the relay fixture as `relay`, with API keys `a` and `b`; killed when the test ends. */
export async function startReplica(t: TestContext, name: string, options: ReplicaOptions = {}): Promise<Replica> {
  const port = await freePort();
  const dir = tempDir(t, `mcpgw-${name}-`);
  const config = {
    listen_addr: `127.0.0.1:${port}`,
    state_dir: path.join(dir, "state"),
    health_check_interval_seconds: 0,
    api_keys: [
      { name: "a", key: KEYS.a },
      { name: "b", key: KEYS.b },
    ],
    cluster: {
      node_id: name,
      advertise_url: `http://127.0.0.1:${port}`,
      session_secret: options.secret ?? SECRET,
      previous_session_secrets: options.previous ?? [],
      ...options.cluster,
    },
    servers: [{ id: "relay", runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] } }],
    ...options.config,
  };
  writeFiles(dir, { "mcpgw.config.yaml": JSON.stringify(config, null, 2) });
  const child = start(t, GATEWAY_HTTP, ["--config", "mcpgw.config.yaml"], { cwd: dir, env: cleanEnv() });
  await child.waitForStderr(/Listening on/);
  return { port, base: `http://127.0.0.1:${port}`, child };
}

export const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

/** An initialize over plain HTTP: the session id the replica minted. */
export async function initialize(base: string, key: string, route = "/mcp"): Promise<string> {
  const response = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { ...auth(key), "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
  await response.body?.cancel();
  if (response.status !== 200) throw new Error(`initialize answered ${response.status}`);
  return response.headers.get("mcp-session-id")!;
}

/** A tools/list on `sessionId`: the status and the JSON-RPC error code, if any. */
export async function listTools(
  base: string,
  key: string,
  sessionId: string,
  route = "/mcp",
  requestId = 2,
): Promise<{ status: number; code?: number; tools?: number }> {
  const response = await fetch(`${base}${route}`, {
    method: "POST",
    headers: {
      ...auth(key),
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: requestId, method: "tools/list" }),
  });
  const text = await response.text();
  const json = JSON.parse(text.startsWith("{") ? text : /^data: (\{.*)$/m.exec(text)![1]!);
  return { status: response.status, code: json.error?.code, tools: json.result?.tools?.length };
}
