// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, server mode) through the
// gateway's per-server endpoint /mcp/<id>, backed by the conformance fixture as a local-process server.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { runConformanceServer } from "../helpers/conformance.js";
import { CONFORMANCE_SSE_POLLING_PACKAGE } from "../helpers/external.js";
import { CONFORMANCE_FIXTURE, nodeServer, startHttpGateway } from "./support.js";

test("conformance: every active scenario passes through /mcp/<id>, no expected failures; the aggregated /mcp is reported", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("conf", CONFORMANCE_FIXTURE)] });

  const perServer = await runConformanceServer(`${gateway.base}/mcp/conf`);
  const failing = perServer.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
  t.diagnostic(
    `/mcp/conf: ${perServer.total.passed} passed, ${perServer.total.failed} failed in ${perServer.scenarios.length} scenarios (${perServer.durationMs} ms)`,
  );
  assert.deepEqual(failing, [], `failing scenarios through /mcp/conf:\n${perServer.output.slice(-6000)}`);
  assert.equal(perServer.total.failed, 0);
  assert.ok(perServer.total.passed >= 40, `at least the 40 checks of 0.1.16 ran (got ${perServer.total.passed})`);
  assert.ok(
    perServer.scenarios.length >= 30,
    `at least the 30 active scenarios ran (got ${perServer.scenarios.length})`,
  );
  assert.equal(perServer.exitCode, 0);

  // Aggregated: names are prefixed (conf__test_simple_text), so the name-checking scenarios cannot pass.
  // Reported, not asserted beyond "the run completed and the gateway kept serving".
  const aggregated = await runConformanceServer(`${gateway.base}/mcp`);
  const aggregatedFailing = aggregated.scenarios
    .filter((scenario) => scenario.failed > 0)
    .map((scenario) => scenario.name);
  t.diagnostic(
    `/mcp (aggregated): ${aggregated.total.passed} passed, ${aggregated.total.failed} failed; failing: ${aggregatedFailing.join(", ")}`,
  );
  const health = await fetch(`${gateway.base}/health`);
  assert.equal(health.status, 200);
});

test("conformance: server-sse-polling passes through /mcp/<id>: priming event and retry field on the call's stream", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("conf", CONFORMANCE_FIXTURE)] });
  const polling = await runConformanceServer(`${gateway.base}/mcp/conf`, {
    scenario: "server-sse-polling",
    suitePackage: CONFORMANCE_SSE_POLLING_PACKAGE,
  });
  t.diagnostic(`server-sse-polling through /mcp/conf: ${polling.total.passed} passed, ${polling.total.failed} failed`);
  assert.equal(polling.total.failed, 0, polling.output);
  assert.ok(polling.total.passed >= 2, `the priming and retry checks ran and passed:\n${polling.output}`);
  assert.match(polling.output, /server-sse-priming-event\s*\]\s*SUCCESS/);
  assert.match(polling.output, /server-sse-retry-field\s*\]\s*SUCCESS/);
  assert.doesNotMatch(polling.output, /WARNING/, polling.output);
  assert.equal(polling.exitCode, 0);
});
