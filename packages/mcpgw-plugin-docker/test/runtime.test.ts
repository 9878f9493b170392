// runtime.type: docker against a real Docker Engine (test/helpers/engine.ts): the fixture server in a
// container behind an in-process gateway, reached over /mcp and /mcp/:id.
import "reflect-metadata";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { once } from "node:events";
import os from "node:os";
import { after, before, test } from "node:test";
import path from "node:path";
import { tempDir, writeFiles } from "../../../test/helpers/files.js";
import { connectClient, startHttpGateway, suiteScope, until, type TestGateway } from "../../../test/http/support.js";
import { labelledContainers, testEngine, type TestEngine } from "./helpers/engine.js";
import { callText, dockerServer, PLUGIN } from "./support.js";

const CANARY = "gateway-secret-canary-5b1e";
const scope = suiteScope();
let engine: TestEngine;
let gateway: TestGateway;

/** Containers of one server of this file's gateway. */
async function containersOf(server: string) {
  return (await labelledContainers(engine)).filter(
    (info) =>
      info.Labels["io.mcpgw.server"] === server && info.Labels["io.mcpgw.gateway"]?.startsWith(`${process.pid}:`),
  );
}

before(async () => {
  engine = await testEngine(scope);
  // The gateway's own environment: it must never reach a container.
  process.env.MCPGW_TEST_CANARY = CANARY;
  const files = tempDir(scope, "mcpgw-docker-files-");
  writeFiles(files, { "box.env": `# from a file\nFROM_FILE=file-value\nGREETING=overridden-by-env\n` });
  gateway = await startHttpGateway(scope, {
    plugins: { [PLUGIN]: { host: engine.host } },
    servers: [
      dockerServer(
        engine,
        "box",
        { memory: "96m", cpus: 0.5, env_file: path.join(files, "box.env") },
        { env: { GREETING: "hi" }, min_uptime_seconds: 0 },
      ),
      dockerServer(engine, "hostnet", { network: "host" }),
      dockerServer(engine, "brief", {}, { idle_timeout_seconds: 1 }),
      dockerServer(engine, "small", { memory: "64m" }, { min_uptime_seconds: 0 }),
      dockerServer(engine, "persession", {}, { isolation: "session" }),
      dockerServer(engine, "capped", {}, { isolation: "session", max_session_instances: 1 }),
      dockerServer(engine, "absent", { image: "mcpgw-test/absent:1" }),
      dockerServer(engine, "unpullable", { image: "127.0.0.1:9/mcpgw-test/absent:1", pull: "missing" }),
    ],
  });
});
after(async () => {
  delete process.env.MCPGW_TEST_CANARY;
  await scope.cleanup();
});

test("lazy start: no container before the first request; the first call starts one, labelled with the gateway and the server", async (t) => {
  assert.deepEqual(await containersOf("box"), [], "the gateway started no container at boot");
  const client = await connectClient(t, `${gateway.base}/mcp/box`);
  assert.equal(await callText(client, "echo", { text: "hello" }), "echo: hello");
  const [info, ...more] = await containersOf("box");
  assert.equal(more.length, 0);
  assert.equal(info!.Labels["io.mcpgw.host"], os.hostname());
  assert.equal(info!.State, "running");
  // stderr, split from the multiplexed stream, is logged like a local process's.
  await until("the container's stderr line in the log", () =>
    gateway.logs.records.find(
      (record) =>
        record.server === "box" && record.stream === "stderr" && record.msg === "docker-fixture ready as 65534",
    ),
  );
});

test("the sandbox: no network, read-only root, no capabilities, no new privileges, nobody, the limits set (docker inspect and from inside)", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/box`);
  assert.equal(await callText(client, "whoami"), "65534:65534");
  assert.equal(await callText(client, "write", { path: "/app/new-file" }), "error EROFS");
  assert.equal(
    await callText(client, "write", { path: "/tmp/scratch" }),
    "written",
    "a small tmpfs /tmp stays writable",
  );
  const [info] = await containersOf("box");
  const inspected = await engine.docker.getContainer(info!.Id).inspect();
  assert.equal(inspected.HostConfig.NetworkMode, "none");
  assert.equal(inspected.HostConfig.ReadonlyRootfs, true);
  assert.deepEqual(inspected.HostConfig.CapDrop, ["ALL"]);
  assert.equal(inspected.HostConfig.CapAdd, null);
  assert.deepEqual(inspected.HostConfig.SecurityOpt, ["no-new-privileges"]);
  assert.equal(inspected.HostConfig.Privileged, false);
  assert.equal(inspected.HostConfig.Memory, 96 * 1024 * 1024);
  assert.equal(inspected.HostConfig.NanoCpus, 500_000_000);
  assert.equal(inspected.HostConfig.AutoRemove, true);
  assert.equal(inspected.Config.User, "65534:65534");
  assert.equal(inspected.Config.Tty, false);
  assert.equal(inspected.Config.OpenStdin, true);
});

test("network none, proven from inside: a host port the same server reaches with network: host is unreachable", async (t) => {
  const server = createServer((_request, response) => response.end("ok"));
  server.listen(0, "0.0.0.0");
  await once(server, "listening");
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((each) => each?.family === "IPv4" && !each.internal)?.address;
  assert.ok(address, "this host has a non-loopback IPv4 address");
  const url = `http://${address}:${port}/`;
  const open = await connectClient(t, `${gateway.base}/mcp/hostnet`);
  assert.equal(await callText(open, "fetch", { url }), "status 200", "with network: host the port answers");
  const boxed = await connectClient(t, `${gateway.base}/mcp/box`);
  assert.match(await callText(boxed, "fetch", { url }), /^error E(NETUNREACH|HOSTUNREACH|CONNREFUSED)/);
});

test("the container's environment is the entry's env and env_file, never the gateway's own", async (t) => {
  assert.equal(process.env.MCPGW_TEST_CANARY, CANARY);
  const client = await connectClient(t, `${gateway.base}/mcp/box`);
  assert.equal(await callText(client, "env", { name: "GREETING" }), "hi", "env wins over env_file");
  assert.equal(await callText(client, "env", { name: "FROM_FILE" }), "file-value");
  assert.equal(await callText(client, "env", { name: "MCPGW_TEST_CANARY" }), "(unset)");
  // Docker sets HOME from the image's user; the gateway's own HOME stays outside.
  assert.notEqual(await callText(client, "env", { name: "HOME" }), process.env.HOME);
});

test("docker kill mid-call fails the call at once with an error naming the server; the next call starts a new container", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/box`);
  await callText(client, "echo", { text: "warm" });
  const [before] = await containersOf("box");
  const pending = assert.rejects(
    callText(client, "sleep", { ms: 60_000 }),
    /Server 'box' exited while tools\/call was in flight/,
  );
  await until("the sleep call to be in flight", () => gateway.supervisor.get("box")?.in_flight === 1);
  await engine.docker.getContainer(before!.Id).kill();
  await pending;
  assert.equal(await callText(client, "echo", { text: "again" }), "echo: again");
  const [after] = await containersOf("box");
  assert.notEqual(after!.Id, before!.Id);
});

test("out of memory: a container past its memory limit is killed, the call fails at once naming the server, the next call works", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/small`);
  assert.equal(await callText(client, "allocate", { mb: 8 }), "holding 8 MB");
  await assert.rejects(
    callText(client, "allocate", { mb: 512 }),
    /Server 'small' exited while tools\/call was in flight/,
  );
  const expected = "container was killed (SIGKILL: docker kill, or out of memory at its limit of 64m)";
  const ofSmall = () => gateway.logs.records.filter((record) => record.server === "small");
  await until("the exit in the log", () => ofSmall().some((record) => record.msg === expected)).catch((error) => {
    // What was logged instead is what tells a flaky daemon from a wrong message.
    throw new Error(`${error.message}; 'small' logged: ${JSON.stringify(ofSmall().map((record) => record.msg))}`);
  });
  assert.equal(await callText(client, "echo", { text: "after" }), "echo: after");
});

test("idle stop removes the container", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/brief`);
  assert.equal(await callText(client, "echo", { text: "x" }), "echo: x");
  assert.equal((await containersOf("brief")).length, 1);
  await until("the idle server to stop", () => gateway.supervisor.get("brief")?.status === "stopped", 15_000);
  assert.deepEqual(await containersOf("brief"), []);
});

test("isolation: session gives each client session its own container", async (t) => {
  const first = await connectClient(t, `${gateway.base}/mcp/persession`);
  const second = await connectClient(t, `${gateway.base}/mcp/persession`);
  await Promise.all([callText(first, "echo", { text: "1" }), callText(second, "echo", { text: "2" })]);
  assert.equal((await containersOf("persession")).length, 2);
});

test("isolation: session honours max_session_instances: one more session's first call is refused, naming the server", async (t) => {
  const first = await connectClient(t, `${gateway.base}/mcp/capped`);
  assert.equal(await callText(first, "echo", { text: "1" }), "echo: 1");
  const second = await connectClient(t, `${gateway.base}/mcp/capped`).catch((error: Error) => error);
  const refusal =
    second instanceof Error ? second.message : await callText(second, "echo").catch((error: Error) => error.message);
  assert.match(refusal, /capped/);
  assert.match(refusal, /max_session_instances/);
  assert.equal((await containersOf("capped")).length, 1);
});

test("pull: never with an image the host lacks is an error naming the image and the server", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/absent`).catch((error: Error) => error);
  const message =
    client instanceof Error ? client.message : await callText(client, "echo").catch((error: Error) => error.message);
  assert.match(message, /absent/);
  assert.match(message, /Image 'mcpgw-test\/absent:1' is not present on the Docker host and pull is 'never'/);
});

test("pull: missing pulls the image, logging it, and a registry that cannot be reached is an error naming the image", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/unpullable`).catch((error: Error) => error);
  const message =
    client instanceof Error ? client.message : await callText(client, "echo").catch((error: Error) => error.message);
  assert.match(message, /unpullable/);
  assert.match(message, /Could not pull image '127\.0\.0\.1:9\/mcpgw-test\/absent:1'/);
  assert.ok(gateway.logs.records.some((record) => record.msg === "Pulling image 127.0.0.1:9/mcpgw-test/absent:1"));
});

test("the aggregated /mcp lists and calls the container's tools", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const { tools } = await client.listTools();
  assert.ok(tools.some((tool) => tool.name === "box__echo"));
  assert.equal(await callText(client, "box__echo", { text: "aggregated" }), "echo: aggregated");
});
