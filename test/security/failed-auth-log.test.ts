// Failed authentication is logged: what was asked, from where and why, never the key or a part of
// it, and at most one line per client address and reason per window, however fast it retries.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "../helpers/http.js";
import { startHttpGateway } from "../http/support.js";

const KEY = "Zq7xK3pW9mT2vB8nL4cR";
const WRONG = "Yh5jD1sF6gA0uE3iO7wQ";

test("refused attempts are logged once per address and reason per window, with neither the key nor a prefix of it", async (t) => {
  const gateway = await startHttpGateway(t, { api_key: KEY, servers: [] });
  for (let i = 0; i < 20; i++) {
    await request(gateway.port, { path: "/servers", headers: { authorization: `Bearer ${WRONG}` } });
    await request(gateway.port, { method: "POST", path: "/mcp", headers: { "x-api-key": `${KEY.slice(0, 12)}x` } });
    await request(gateway.port, { path: "/servers" });
  }
  const refused = gateway.logs.records.filter((record) => record.msg.startsWith("Refused "));
  assert.deepEqual(
    refused.map((record) => [record.level, record.msg]),
    [
      ["warn", "Refused GET /servers from 127.0.0.1: an API key that is not configured"],
      ["info", "Refused GET /servers from 127.0.0.1: no API key"],
    ],
  );
  assert.equal(refused[0]!.remote_address, "127.0.0.1");
  const text = gateway.logs.text();
  for (const secret of [WRONG, KEY])
    for (const length of [4, 6, 8, secret.length])
      assert.ok(!text.includes(secret.slice(0, length)), `no ${length}-character prefix of a key in the log`);
});
