import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { container } from "../../src/di/tsyringe.js";
import { Kernel } from "../../src/kernel/Kernel.js";
import { redactorOf } from "../../src/kernel/logger.js";
import { applyPlugin } from "../../src/kernel/PluginHost.js";
import { Redactor } from "../../src/kernel/redactor.js";
import { gatewayTokens } from "../../src/services/tokens.js";
import { captureLogs } from "../helpers/logs.js";

test("a secret is masked as written, JSON-escaped and percent-encoded; short and numeric values are not secrets", () => {
  const redactor = new Redactor();
  const secret = 'p@ss "word"/x?y';
  redactor.add([secret, "short", "12345678", undefined]);
  assert.equal(redactor.text(`a ${secret} b`), "a [redacted] b");
  assert.equal(redactor.text(JSON.stringify({ msg: `x${secret}y` })), '{"msg":"x[redacted]y"}');
  assert.equal(redactor.text(`q=${encodeURIComponent(secret)}`), "q=[redacted]");
  const url = new URL("http://host/");
  url.password = secret;
  url.searchParams.set("k", secret);
  assert.ok(!redactor.text(url.href).includes("word"), redactor.text(url.href));
  assert.equal(redactor.text("short 12345678"), "short 12345678");
});

test("the user info of any URL is masked, known or not; url() masks query values too", () => {
  const redactor = new Redactor();
  assert.equal(
    redactor.text("cannot reach https://alice:hunter2@example.com/mcp and ws://bob@h"),
    "cannot reach https://[redacted]@example.com/mcp and ws://[redacted]@h",
  );
  assert.equal(
    redactor.url("http://u:p@127.0.0.1:3000/mcp?key=abc&x=1"),
    "http://[redacted]@127.0.0.1:3000/mcp?key=%5Bredacted%5D&x=%5Bredacted%5D",
  );
});

test("value() redacts every string of a JSON value, keys included, and leaves other values alone", () => {
  const redactor = new Redactor();
  redactor.add(["tok-abcdef"]);
  assert.deepEqual(redactor.value({ "tok-abcdef": ["x tok-abcdef", 3, null, true], n: { m: "tok-abcdef" } }), {
    "[redacted]": ["x [redacted]", 3, null, true],
    n: { m: "[redacted]" },
  });
});

test("plugins reach the gateway's redactor as gatewayTokens.redactor; every log line at every level masks what it knows", async () => {
  const logs = captureLogs("trace");
  const kernel = new Kernel(container.createChildContainer(), logs.logger, "inspect");
  const secret = "plugin-held-secret-77";
  let seen: string | undefined;
  await applyPlugin(kernel, {
    name: "holder",
    apply(ctx) {
      const redactor = ctx.use(gatewayTokens.redactor);
      redactor.add([secret]);
      seen = redactor.text(`token ${secret}`);
      ctx.logger.child({ bound: secret }).trace(`holding ${secret}`);
      ctx.logger.error({ err: new Error(`failed with ${secret}`), detail: { [secret]: secret } }, "failed");
    },
  });
  assert.equal(kernel.redactor, redactorOf(logs.logger), "the kernel's redactor is the one its logger applies");
  assert.equal(seen, "token [redacted]");
  assert.ok(logs.text().includes("holding [redacted]"), logs.text());
  assert.ok(!logs.text().includes(secret), logs.text());
  assert.equal(logs.records.length, 2, "every line is still JSON");
});
