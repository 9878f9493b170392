// No leftovers: the gateway as a process (the bundle, as `mcpgw` runs) with docker servers, ended by
// SIGTERM, by SIGKILL with a restart, and by SIGKILL alone; and `mcpgw stdio` in front of a container.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CLI, cleanEnv, start, type Child } from "../../../test/cli/spawn.js";
import { tempDir, writeFiles } from "../../../test/helpers/files.js";
import { connectClient, suiteScope, until, type TestContext } from "../../../test/http/support.js";
import { labelledContainers, testEngine, type TestEngine } from "./helpers/engine.js";
import { callText, dockerServer, PLUGIN } from "./support.js";

const scope = suiteScope();
let engine: TestEngine;

before(async () => {
  engine = await testEngine(scope);
});
after(() => scope.cleanup());

/** A config folder whose mcpgw.config.json enables the plugin with `servers`. */
function configDir(t: TestContext, servers: Array<Record<string, unknown>>): string {
  const dir = tempDir(t, "mcpgw-docker-gw-");
  writeFiles(dir, {
    "mcpgw.config.json": JSON.stringify({
      state_dir: path.join(dir, "state"),
      health_check_interval_seconds: 0,
      plugins: { [PLUGIN]: { host: engine.host } },
      servers,
    }),
  });
  return dir;
}

async function serve(t: TestContext, dir: string): Promise<{ child: Child; url: string }> {
  const child = start(
    t,
    CLI,
    ["serve", "--config", path.join(dir, "mcpgw.config.json"), "--listen-addr", "127.0.0.1:0"],
    {
      cwd: dir,
    },
  );
  const line = await child.waitForStderr(/"msg":"Listening on http:\/\/127\.0\.0\.1:\d+"/);
  return { child, url: /"msg":"Listening on (http:\/\/127\.0\.0\.1:\d+)"/.exec(line)![1]! };
}

/** The containers a gateway process (by pid) owns. */
async function ownedBy(pid: number) {
  return (await labelledContainers(engine)).filter((info) => info.Labels["io.mcpgw.gateway"]?.startsWith(`${pid}:`));
}

/** A gateway process serving `server` (with `runtime`), which has run one call in its one container. */
async function gatewayWithContainer(t: TestContext, server: string, runtime: Record<string, unknown> = {}) {
  const dir = configDir(t, [dockerServer(engine, server, runtime)]);
  const served = await serve(t, dir);
  const client = await connectClient(t, `${served.url}/mcp/${server}`);
  assert.equal(await callText(client, "echo", { text: "x" }), "echo: x");
  const pid = served.child.process.pid!;
  assert.equal((await ownedBy(pid)).length, 1);
  return { dir, child: served.child, pid };
}

test("SIGTERM: the gateway removes its containers and exits 0", async (t) => {
  const { child, pid } = await gatewayWithContainer(t, "term");
  child.process.kill("SIGTERM");
  const finished = await child.exited;
  assert.equal(finished.code, 0, finished.stderr);
  assert.deepEqual(await ownedBy(pid), []);
});

test("SIGKILL: a server that exits at stdin EOF takes its container with it, with no restart", async (t) => {
  const { child, pid } = await gatewayWithContainer(t, "killed");
  child.process.kill("SIGKILL");
  await child.exited;
  await until("the container to be gone", async () => (await ownedBy(pid)).length === 0, 15_000);
});

test("SIGKILL: a server that ignores stdin EOF is removed by the next start of a gateway", async (t) => {
  const { dir, child, pid } = await gatewayWithContainer(t, "stubborn", { args: ["--ignore-eof"] });
  child.process.kill("SIGKILL");
  await child.exited;
  const [left] = await ownedBy(pid);
  assert.equal((await engine.docker.getContainer(left!.Id).inspect()).State.Running, true, "it outlived its gateway");

  const second = await serve(t, dir);
  await second.child.waitForStderr(/Removed 1 leftover container of a gateway that is gone/);
  assert.deepEqual(await ownedBy(pid), []);
  second.child.process.kill("SIGTERM");
  assert.equal((await second.child.exited).code, 0);
});

test("mcpgw stdio --server: tools listed and called in a container; the end of stdin removes it", async (t) => {
  const dir = configDir(t, [dockerServer(engine, "viastdio")]);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "stdio", "--config", path.join(dir, "mcpgw.config.json"), "--server", "viastdio"],
    cwd: dir,
    env: cleanEnv() as Record<string, string>,
    stderr: "pipe",
  });
  const client = new Client({ name: "docker-stdio-test", version: "1.0.0" });
  await client.connect(transport);
  t.after(() => client.close().catch(() => undefined));
  const pid = transport.pid!;
  const { tools } = await client.listTools();
  assert.ok(tools.some((tool) => tool.name === "echo"));
  assert.equal(await callText(client, "echo", { text: "stdio" }), "echo: stdio");
  assert.equal((await ownedBy(pid)).length, 1);
  await client.close();
  await until("the stdio gateway's container to be removed", async () => (await ownedBy(pid)).length === 0, 15_000);
});
