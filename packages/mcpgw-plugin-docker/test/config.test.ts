// What the plugin reads from the config without a Docker Engine: `validate` naming every relaxation of
// the sandbox, the sizes Docker takes, and registry credentials from the Docker client's config.
import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../../test/helpers/files.js";
import { dockerPlugin } from "../src/index.js";
import { loadTestGateway } from "../../../test/helpers/gateway.js";
import { connectClient, startHttpGateway } from "../../../test/http/support.js";
import { memoryBytes } from "../src/options.js";
import { registryAuth, registryOf } from "../src/registryAuth.js";
import { callText, PLUGIN } from "./support.js";

function config(servers: Array<Record<string, unknown>>): string {
  return JSON.stringify({ plugins: { [PLUGIN]: {} }, servers });
}

test("validate warns about every relaxation of the sandbox, naming the server and the key", async (t) => {
  const loaded = await loadTestGateway(
    t,
    config([
      {
        id: "open",
        runtime: {
          type: "docker",
          image: "mcp/fetch",
          network: "bridge",
          read_only: false,
          user: "root",
          volumes: ["./data:/data", "./config:/config:ro"],
        },
      },
      { id: "closed", runtime: { type: "docker", image: "mcp/time" } },
    ]),
    { mode: "inspect" },
  );
  const warnings = loaded.issues.filter((issue) => issue.severity === "warning");
  assert.deepEqual(
    warnings.map((issue) => [issue.path.join("."), issue.message]),
    [
      [
        "servers.0.runtime.network",
        "Server 'open': its container gets network 'bridge' (it can reach other hosts); the default is none",
      ],
      ["servers.0.runtime.read_only", "Server 'open': its container's root filesystem is writable"],
      ["servers.0.runtime.user", "Server 'open': its container runs as root"],
      ["servers.0.runtime.volumes.0", "Server 'open': volume ./data:/data is writable from the container (add :ro)"],
    ],
  );
  assert.deepEqual(
    loaded.issues.filter((issue) => issue.severity === "error"),
    [],
  );
});

test("validate refuses container_name with isolation: session, and fields Docker would not take", async (t) => {
  const loaded = await loadTestGateway(
    t,
    config([
      { id: "named", isolation: "session", runtime: { type: "docker", image: "x", container_name: "fixed" } },
      { id: "bad", runtime: { type: "docker", image: "x", memory: "lots", volumes: ["relative"], privileged: true } },
    ]),
    { mode: "inspect" },
  );
  const errors = loaded.issues
    .filter((issue) => issue.severity === "error")
    .map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  assert.ok(
    errors.some((line) =>
      line.startsWith(
        "servers.0.runtime.container_name: Server 'named': container_name cannot be used with isolation: session",
      ),
    ),
    errors.join("\n"),
  );
  assert.ok(
    errors.some((line) => line.startsWith("servers.1.runtime.memory")),
    errors.join("\n"),
  );
  assert.ok(
    errors.some((line) => line.startsWith("servers.1.runtime.volumes.0")),
    errors.join("\n"),
  );
  assert.ok(
    errors.some((line) => /privileged/.test(line)),
    errors.join("\n"),
  );
});

test("memory sizes are read as Docker reads them: binary units, bare numbers in bytes", () => {
  assert.equal(memoryBytes("256m"), 256 * 1024 * 1024);
  assert.equal(memoryBytes("1g"), 1024 ** 3);
  assert.equal(memoryBytes("1.5G"), 1.5 * 1024 ** 3);
  assert.equal(memoryBytes("512k"), 512 * 1024);
  assert.equal(memoryBytes("1000"), 1000);
  assert.equal(memoryBytes(4096), 4096);
});

test("registry credentials come from DOCKER_AUTH_CONFIG or the Docker config, for the image's registry only", () => {
  assert.equal(registryOf("mcp/time"), "docker.io");
  assert.equal(registryOf("ubuntu"), "docker.io");
  assert.equal(registryOf("ghcr.io/org/server:1"), "ghcr.io");
  assert.equal(registryOf("localhost:5000/x"), "localhost:5000");
  const env = {
    DOCKER_AUTH_CONFIG: JSON.stringify({
      auths: {
        "ghcr.io": { auth: Buffer.from("me:s3cret-token").toString("base64") },
        "https://index.docker.io/v1/": { identitytoken: "hub-token" },
      },
    }),
  };
  assert.deepEqual(registryAuth("ghcr.io/org/server:1", env), {
    serveraddress: "ghcr.io",
    username: "me",
    password: "s3cret-token",
  });
  assert.deepEqual(registryAuth("mcp/time", env), {
    serveraddress: "https://index.docker.io/v1/",
    identitytoken: "hub-token",
  });
  assert.equal(registryAuth("quay.io/x/y", env), undefined);
  assert.equal(registryAuth("mcp/time", { DOCKER_CONFIG: "/nonexistent" }), undefined);
});

test("a Docker Engine that cannot be reached fails the start with where the plugin looked and how to point it elsewhere", async (t) => {
  const gateway = await startHttpGateway(t, {
    plugins: { [PLUGIN]: { socket: "/nonexistent/docker.sock" } },
    servers: [{ id: "nodaemon", runtime: { type: "docker", image: "mcp/time" } }],
  });
  const outcome = await connectClient(t, `${gateway.base}/mcp/nodaemon`)
    .then((client) => callText(client, "echo"))
    .catch((error: Error) => error.message);
  assert.match(
    outcome,
    /Failed to start server 'nodaemon': Cannot reach the Docker daemon at \/nonexistent\/docker\.sock \(ENOENT\)/,
  );
  assert.match(outcome, /DOCKER_HOST or plugins\.docker\.socket/);
});

test("the plugin's meta is its package.json's name and version", () => {
  const manifest = JSON.parse(
    readFileSync(path.join(repoRoot, "packages", "mcpgw-plugin-docker", "package.json"), "utf8"),
  ) as { name: string; version: string };
  assert.deepEqual(dockerPlugin({}).meta, { name: manifest.name, version: manifest.version });
});
