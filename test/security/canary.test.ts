// The canary sweep: secrets with unique values in every place a config can hold one, starts that fail
// in every way, and then everything the gateway shows or writes, searched for them.
import "reflect-metadata";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import { httpFrontendTokens } from "../../plugins/http-frontend/index.js";
import { runCli } from "../../src/cli/main.js";
import { captureIo } from "../cli/io.js";
import { CLI } from "../helpers/files.js";
import { loadTestGateway } from "../helpers/gateway.js";

type TestContext = { after(fn: () => unknown): void };

/** Each value appears nowhere in the code under test; the variable names are what the config refers to. */
const CANARIES = {
  CANARY_USER: "cnry-user-5d1e7a",
  CANARY_PASSWORD: "cnry-password-9b2c4f",
  CANARY_PATH: "cnry-path-3e8a61",
  CANARY_QUERY: "cnry-query-0f4d2b",
  CANARY_HEADER: "cnry-header-7c3b95",
  CANARY_ENV: "cnry-env-a4e0d8",
  CANARY_COMMAND: "cnry-command-62f1c3",
  CANARY_ARG: "cnry-arg-b8d5e2",
  CANARY_DIR: "cnry-dir-1a7f40",
  CANARY_API_KEY: "cnry-api-key-4e9b0c17d2",
} as const;
/** An API key written in the file itself, not taken from the environment. */
const FILE_KEY = "cnry-file-key-e2c7a9f301";
const SECRETS = [...Object.values(CANARIES), FILE_KEY];

/** Prints its arguments, its env and its folder to stderr (and a line to stdout), then exits 3. */
const TELL_AND_EXIT =
  "console.error('args', process.argv.join(' '), 'env', process.env.TOKEN, 'cwd', process.cwd()); console.log('token=' + process.env.TOKEN); process.exit(3)";
/** Tells the same, then never answers initialize. */
const TELL_AND_HANG =
  "console.error('args', process.argv.join(' '), 'env', process.env.TOKEN, 'cwd', process.cwd()); setInterval(() => {}, 1000)";

/** What each failing server's start error says (secrets redacted). */
const FAILURES: Record<string, RegExp> = {
  // User info in the URL is sent as Basic auth (the hostile server echoes it back); the error names the URL without it.
  credentials: /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/\[redacted\]\/mcp/,
  unreachable: /cannot reach http:\/\/127\.0\.0\.1:\d+\/\[redacted\]\/mcp: ECONNREFUSED/,
  unauthorized: /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/\[redacted\]\/mcp/,
  "missing-command": /command not found: \/nonexistent\/\[redacted\]/,
  "tells-and-exits": /process exited with code 3/,
  "missing-dir": /working_dir \/nonexistent-\[redacted\] does not exist/,
  "never-answers": /did not finish starting within 1 s/,
};

/** A remote MCP server that refuses everything with 401 and, hostile, echoes back what it was sent. */
async function refusingServer(t: TestContext): Promise<number> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    response.writeHead(401, { "content-type": "text/plain" });
    response.end(`denied ${request.url} for ${request.headers.authorization}`);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

/** A loopback port nobody listens on (fetch refuses the well-known ones such as 9). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function configFor(refusingPort: number, closed: number): Record<string, unknown> {
  const remote = (port: number, userinfo = "") => ({
    type: "remote-sse",
    url: `http://${userinfo}127.0.0.1:${port}/\${CANARY_PATH}/mcp?key=\${CANARY_QUERY}`,
    headers: { Authorization: "Bearer ${CANARY_HEADER}" },
  });
  const local = (extra: Record<string, unknown>) => ({
    type: "local-process",
    command: process.execPath,
    ...extra,
  });
  const env = { TOKEN: "${CANARY_ENV}" };
  return {
    listen_addr: "127.0.0.1:0",
    api_key: "${CANARY_API_KEY}",
    api_keys: [{ name: "file-key", key: FILE_KEY }],
    health_check_interval_seconds: 0,
    servers: [
      { id: "credentials", runtime: remote(refusingPort, "${CANARY_USER}:${CANARY_PASSWORD}@") },
      { id: "unreachable", runtime: remote(closed) },
      { id: "unauthorized", runtime: remote(refusingPort) },
      {
        id: "missing-command",
        runtime: { type: "local-process", command: "/nonexistent/${CANARY_COMMAND}", args: ["--token=${CANARY_ARG}"] },
        env,
      },
      // The key written in the file reaches the backend as an argument, and the backend prints it.
      {
        id: "tells-and-exits",
        runtime: local({ args: ["-e", TELL_AND_EXIT, "--", "--token=${CANARY_ARG}", FILE_KEY] }),
        env,
      },
      { id: "missing-dir", runtime: local({ args: ["-e", "0"], working_dir: "/nonexistent-${CANARY_DIR}" }), env },
      {
        id: "never-answers",
        runtime: local({ args: ["-e", TELL_AND_HANG, "--", "--token=${CANARY_ARG}"], working_dir: "./${CANARY_DIR}" }),
        env,
        start_timeout_seconds: 1,
      },
    ],
  };
}

/** Every occurrence of a secret in `text`, with a little context, for the failure message. */
function leaks(text: string): string[] {
  return SECRETS.flatMap((secret) => {
    const at = text.indexOf(secret);
    return at === -1 ? [] : [`${secret} in …${text.slice(Math.max(0, at - 80), at + secret.length + 20)}…`];
  });
}

/** An MCP POST (JSON or SSE answer, as raw text) on `path`; returns the session id the answer set, if any. */
async function mcpPost(
  base: string,
  path: string,
  body: unknown,
  session?: string,
): Promise<{ text: string; session?: string }> {
  const response = await fetch(base + path, {
    method: "POST",
    headers: {
      authorization: `Bearer ${CANARIES.CANARY_API_KEY}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(session && { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" }),
    },
    body: JSON.stringify(body),
  });
  return { text: await response.text(), session: response.headers.get("mcp-session-id") ?? undefined };
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "canary", version: "1.0.0" } },
};

/** `mcpgw stdio --server ID` at debug level: initialize and tools/list; all it wrote to stdout and stderr. */
async function stdioSweep(config: string, id: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, "stdio", "--config", config, "--server", id], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "debug", ...CANARIES },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const listed = new Promise<void>((resolve) =>
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (/"id":2[,}]/.test(stdout)) resolve();
    }),
  );
  const exited = once(child, "exit");
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  send(INITIALIZE);
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
  await Promise.race([listed, exited]);
  child.stdin.end();
  if (child.exitCode === null) await exited;
  assert.match(stdout, /"id":2,"error"/, `stdio answered tools/list of '${id}' with an error; stderr: ${stderr}`);
  return `${stdout}\n${stderr}`;
}

test("no secret appears in logs, REST answers, MCP errors, stdio or the CLI, whatever way a start fails", async (t) => {
  const refusingPort = await refusingServer(t);
  const config = configFor(refusingPort, await closedPort());
  const gateway = await loadTestGateway(t, JSON.stringify(config), { env: { ...CANARIES } });
  assert.ok(gateway.kernel, gateway.issues.map((issue) => issue.message).join("\n"));
  mkdirSync(path.join(gateway.dir, CANARIES.CANARY_DIR));
  const configFile = path.join(gateway.dir, "mcpgw.config.yaml");
  await gateway.kernel.start();
  const port = gateway.kernel.container.resolve(httpFrontendTokens.frontend).address!.port;
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${CANARIES.CANARY_API_KEY}` };
  const shown: Array<{ where: string; text: string }> = [];
  const get = async (route: string) => {
    const response = await fetch(base + route, { headers: auth });
    shown.push({ where: `GET ${route}`, text: await response.text() });
  };

  await Promise.all(
    Object.keys(FAILURES).map(async (id) => {
      // A fresh start through MCP, one through the admin API (backoff ignored), then /rpc while backing off.
      const single = await mcpPost(base, `/mcp/${id}`, INITIALIZE);
      shown.push({ where: `POST /mcp/${id} initialize`, text: single.text });
      if (single.session) {
        const listed = await mcpPost(
          base,
          `/mcp/${id}`,
          { jsonrpc: "2.0", id: 2, method: "tools/list" },
          single.session,
        );
        shown.push({ where: `POST /mcp/${id} tools/list`, text: listed.text });
      }
      const start = await fetch(`${base}/servers/${id}/start`, { method: "POST", headers: auth });
      const startBody = await start.text();
      assert.equal(start.status, 502, startBody);
      assert.match(startBody, FAILURES[id]!, `the start of '${id}' failed as intended`);
      shown.push({ where: `POST /servers/${id}/start`, text: startBody });
      const rpc = await fetch(`${base}/rpc`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "x-server-id": id },
        body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
      });
      shown.push({ where: `POST /rpc (${id})`, text: await rpc.text() });
      assert.equal(rpc.status, 502);
      await get(`/servers/${id}`);
    }),
  );
  const aggregated = await mcpPost(base, "/mcp", INITIALIZE);
  shown.push({ where: "POST /mcp initialize", text: aggregated.text });
  for (const [id, method, params] of [
    [2, "tools/list", {}],
    [3, "tools/call", { name: `unreachable__${CANARIES.CANARY_ARG}`, arguments: {} }],
  ] as const) {
    const answer = await mcpPost(base, "/mcp", { jsonrpc: "2.0", id, method, params }, aggregated.session);
    shown.push({ where: `POST /mcp ${method}`, text: answer.text });
  }
  await get("/servers");
  await get("/stats");

  for (const [command, args] of [
    ["mcpgw servers", ["servers"]],
    ["mcpgw servers --json", ["servers", "--json"]],
    ["mcpgw validate", ["validate"]],
    ["mcpgw validate --json", ["validate", "--json"]],
  ] as const) {
    const io = captureIo(gateway.dir, { ...CANARIES, LOG_LEVEL: "debug" });
    assert.equal(await runCli([...args, "--config", configFile], "serve", io), 0, io.err());
    shown.push({ where: command, text: `${io.out()}\n${io.err()}` });
  }
  // Over stdio the errors take the same path for every server: one remote and two local kinds suffice.
  const overStdio = ["credentials", "tells-and-exits", "missing-command"];
  const stdio = await Promise.all(overStdio.map((id) => stdioSweep(configFile, id)));
  stdio.forEach((text, index) => shown.push({ where: `mcpgw stdio --server ${overStdio[index]}`, text }));

  await gateway.kernel.stop();
  shown.push({ where: "the log (debug)", text: gateway.logs.text() });
  // The secrets were really in play: the backends printed them, the 401 server echoed them.
  const stderrLines = gateway.logs.records.filter((record) => record.stream === "stderr").map((record) => record.msg);
  assert.ok(
    stderrLines.some((line) => line.includes("--token=[redacted] [redacted]") && line.includes("env [redacted]")),
    stderrLines.join("\n"),
  );
  const found = shown.flatMap(({ where, text }) => leaks(text).map((leak) => `${where}: ${leak}`));
  assert.deepEqual(found, []);
});
