// Pulls against a registry on 127.0.0.1 that wants Basic auth: the credentials come from
// DOCKER_AUTH_CONFIG, reach the registry, and never the log; the pull is logged with its progress.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectClient, startHttpGateway, suiteScope, type TestGateway } from "../../../test/http/support.js";
import { testEngine, type TestEngine } from "./helpers/engine.js";
import { testRegistry, type TestRegistry } from "./helpers/registry.js";
import { callText, dockerServer, PLUGIN } from "./support.js";

const USER = "puller";
const PASSWORD = "registry-pass-8c1d2e";
const scope = suiteScope();
let engine: TestEngine;
let registry: TestRegistry;
let gateway: TestGateway;
let image: string;

before(async () => {
  engine = await testEngine(scope);
  registry = await testRegistry(USER, PASSWORD);
  scope.after(() => registry.close());
  // Unique per run: the engine keeps images between runs, and this one must be pulled.
  image = `${registry.address}/mcpgw-test/pulled:${process.pid}`;
  process.env.DOCKER_AUTH_CONFIG = JSON.stringify({
    auths: { [registry.address]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } },
  });
  scope.after(() => delete process.env.DOCKER_AUTH_CONFIG);
  gateway = await startHttpGateway(scope, {
    plugins: { [PLUGIN]: { host: engine.host } },
    servers: [
      dockerServer(engine, "pulled", { image, pull: "missing" }),
      dockerServer(engine, "always", { image, pull: "always" }),
    ],
  });
  scope.after(() =>
    engine.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined),
  );
});
after(() => scope.cleanup());

test("pull: missing pulls with the Docker config's credentials, logs the pull and its progress, and never the password", async (t) => {
  // The image holds no MCP server: the start fails after the pull, with the reason.
  const outcome = await connectClient(t, `${gateway.base}/mcp/pulled`)
    .then((client) => callText(client, "echo"))
    .catch((error: Error) => error.message);
  t.diagnostic(outcome);
  assert.match(outcome, /pulled/);
  assert.ok(await engine.docker.getImage(image).inspect(), "the image is on the Docker host");
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
  assert.ok(registry.authorizations.includes(basic), "the registry received the configured credentials");
  const messages = gateway.logs.records.map((record) => record.msg);
  assert.ok(messages.includes(`Pulling image ${image}`), messages.join("\n"));
  assert.ok(
    messages.some((msg) => msg.startsWith(`Pulling image ${image}: `) && / layers, /.test(msg)),
    messages.join("\n"),
  );
  assert.ok(messages.includes(`Pulled image ${image}`), messages.join("\n"));
  const logged = gateway.logs.text();
  assert.doesNotMatch(logged, new RegExp(PASSWORD));
  assert.doesNotMatch(logged, new RegExp(Buffer.from(`${USER}:${PASSWORD}`).toString("base64")));
  assert.doesNotMatch(outcome, new RegExp(PASSWORD));
});

test("pull: missing pulls only what is absent; pull: always asks the registry at every start", async () => {
  // The first test pulled the image; each start below fails after its pull (the image holds no MCP server).
  const start = (id: string) => gateway.supervisor.start(id).catch((error: Error) => error);
  const before = registry.manifests();
  await start("pulled");
  assert.equal(registry.manifests(), before, "present: not pulled again");
  await start("always");
  const once = registry.manifests();
  assert.ok(once > before, "pulled although present");
  await start("always");
  assert.ok(registry.manifests() > once, "and again at the next start");
  const messages = gateway.logs.records.filter((record) => record.server === "always").map((record) => record.msg);
  assert.equal(messages.filter((msg) => msg === `Pulled image ${image}`).length, 2);
});
