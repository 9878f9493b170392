// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, and 0.2.0-alpha.12 for
// `server-sse-polling` and `--requirements 2025-11-25`, server mode) through the gateway's per-server
// endpoint /mcp/<id>, backed by the conformance fixture as a local-process server.
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

test("conformance: 0.2.0-alpha.12 --requirements 2025-11-25 passes through /mcp/<id>, every scenario of the revision", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("conf", CONFORMANCE_FIXTURE)] });
  const requirements = await runConformanceServer(`${gateway.base}/mcp/conf`, {
    suitePackage: CONFORMANCE_SSE_POLLING_PACKAGE,
    extraArgs: ["--requirements", "2025-11-25"],
  });
  const failing = requirements.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
  t.diagnostic(
    `--requirements 2025-11-25 through /mcp/conf: ${requirements.total.passed} passed, ${requirements.total.failed} failed in ${requirements.scenarios.length} scenarios (${requirements.durationMs} ms)`,
  );
  assert.deepEqual(failing, [], `failing scenarios through /mcp/conf:\n${requirements.output.slice(-6000)}`);
  assert.equal(requirements.total.failed, 0);
  // 0.2.0-alpha.12 freezes 33 scenarios for the revision: 81 checks pass against the fixture's own HTTP
  // mode, 80 through the gateway. The one missing is `server-sse-disconnect-resume`, which the suite only
  // checks when the server closes a call's stream mid-call (the fixture does so in HTTP mode); the gateway
  // keeps the stream open, so the check does not run (nothing fails).
  const planned = /^Running requirements 2025-11-25 \((\d+) scenarios\)/m.exec(requirements.output);
  assert.ok(planned, requirements.output.slice(-4000));
  assert.equal(requirements.scenarios.length, Number(planned[1]), "every scenario of the revision reported");
  assert.ok(requirements.total.passed >= 78, `at least 78 checks passed (got ${requirements.total.passed})`);
  assert.equal(requirements.exitCode, 0);
});
