import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { httpFrontendTokens } from "../../plugins/http-frontend/index.js";
import { tempDir } from "../helpers/files.js";
import { loadTestGateway } from "../helpers/gateway.js";
import { RELAY_FIXTURE } from "./support.js";

const TOKEN = "tok-canary-4f9a2c";
const PASSWORD = "pw-canary-81d3e0";

test("values taken from the environment never appear in /servers, /servers/:id or the log, even inside arguments and URLs", async (t) => {
  const config = {
    listen_addr: "127.0.0.1:0",
    state_dir: path.join(tempDir(t), "state"),
    servers: [
      {
        id: "relay",
        runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE, "--token=${RELAY_TOKEN}"] },
        env: { FIXTURE_TOOLS: "1", SECRET: "${RELAY_TOKEN}" },
      },
      {
        id: "remote",
        runtime: { type: "remote-sse", url: "http://user:${REMOTE_PASSWORD}@127.0.0.1:9/mcp?key=${RELAY_TOKEN}" },
      },
    ],
  };
  const loaded = await loadTestGateway(t, JSON.stringify(config), {
    env: { RELAY_TOKEN: TOKEN, REMOTE_PASSWORD: PASSWORD },
  });
  await loaded.kernel!.start();
  const base = `http://127.0.0.1:${loaded.kernel!.container.resolve(httpFrontendTokens.frontend).address!.port}`;
  // Start the local server so its stderr and state are in play too.
  assert.equal((await fetch(`${base}/servers/relay/start`, { method: "POST" })).status, 200);
  const bodies = await Promise.all(
    ["/servers", "/servers/relay", "/servers/remote"].map(async (route) => (await fetch(base + route)).text()),
  );
  for (const body of bodies) {
    assert.ok(!body.includes(TOKEN) && !body.includes(PASSWORD), body);
  }
  const relay = JSON.parse(bodies[1]!) as { runtime: { args: string[] }; env: string[] };
  assert.deepEqual(relay.runtime.args, [RELAY_FIXTURE, "--token=[redacted]"]);
  assert.deepEqual(relay.env, ["FIXTURE_TOOLS", "SECRET"]);
  assert.ok(!loaded.logs.text().includes(TOKEN) && !loaded.logs.text().includes(PASSWORD));
});
