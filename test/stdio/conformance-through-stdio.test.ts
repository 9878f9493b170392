import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { runConformanceServer } from "../helpers/conformance.js";
import { CONFORMANCE_FIXTURE, startHttpGateway } from "../http/support.js";
import { CLI, writeConfig } from "./support.js";

// The suite speaks only Streamable HTTP, so the stdio frontend is put in the middle of a chain:
// suite → HTTP gateway /mcp/conformance → (local-process) `mcpgw stdio --server conformance` → fixture.
// Every message crosses the stdio frontend's transport and relay both ways.
test("the conformance fixture passes every active scenario through `mcpgw stdio --server`", async (t) => {
  const inner = writeConfig(t, {
    servers: [
      { id: "conformance", runtime: { type: "local-process", command: process.execPath, args: [CONFORMANCE_FIXTURE] } },
    ],
  });
  const outer = await startHttpGateway(t, {
    servers: [
      {
        id: "conformance",
        runtime: {
          type: "local-process",
          command: process.execPath,
          args: [CLI, "stdio", "--config", inner, "--server", "conformance"],
        },
      },
    ],
  });
  const run = await runConformanceServer(`${outer.base}/mcp/conformance`);
  assert.equal(run.total.failed, 0, run.output.slice(-3000));
  assert.ok(run.total.passed >= 40, `passed ${run.total.passed}`);
  assert.equal(run.exitCode, 0);
});
