// The pre-release conformance suite for MCP 2026-07-28 (@modelcontextprotocol/conformance 0.2.0-alpha.12,
// `--requirements 2026-07-28`) through /mcp/<id>, while the 2025-11-25 suites (0.1.16 and alpha.12
// `--requirements 2025-11-25`) run on the same route at the same time: both eras at once.
//
// The fixture runs in its HTTP mode behind the remote-sse runtime with `isolation: session`: every
// 2026-07-28 call then has an upstream session of its own, so its backend's questions (elicitation,
// sampling, roots) can be told apart exactly and bridged to `input_required`. A shared stdio backend
// cannot tell whose a question is once a call is parked (docs/protocol-eras.md).
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { runConformanceServer, startHttpFixture, type ConformanceResult } from "../helpers/conformance.js";
import { CONFORMANCE_PACKAGE, CONFORMANCE_SSE_POLLING_PACKAGE } from "../helpers/external.js";
import { startHttpGateway } from "./support.js";

function failing(result: ConformanceResult): string[] {
  return result.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
}

/** The scenarios the run reports as not counting for the revision (extension and pending ones). */
function notScored(result: ConformanceResult): string[] {
  const section = /Not scored for 2026-07-28:[^\n]*\n((?:\s+[✓✗] .*\n?)*)/u.exec(result.output);
  return [...(section?.[1] ?? "").matchAll(/[✓✗] (\S+)/gu)].map((match) => match[1]!);
}

test("conformance 0.2.0-alpha.12 --requirements 2026-07-28: all 37 required scenarios pass through /mcp/<id>, with both 2025-11-25 suites on the same route at once", async (t) => {
  const fixture = await startHttpFixture(t);
  const gateway = await startHttpGateway(t, {
    servers: [{ id: "conf", isolation: "session", runtime: { type: "remote-sse", url: fixture.url } }],
  });
  const url = `${gateway.base}/mcp/conf`;

  const [modern, legacy, legacyRequirements] = await Promise.all([
    runConformanceServer(url, {
      suitePackage: CONFORMANCE_SSE_POLLING_PACKAGE,
      extraArgs: ["--requirements", "2026-07-28"],
    }),
    runConformanceServer(url, { suitePackage: CONFORMANCE_PACKAGE }),
    runConformanceServer(url, {
      suitePackage: CONFORMANCE_SSE_POLLING_PACKAGE,
      extraArgs: ["--requirements", "2025-11-25"],
    }),
  ]);

  const planned = /^Running requirements 2026-07-28 \((\d+) scenarios\)/m.exec(modern.output);
  assert.ok(planned, modern.output.slice(-4000));
  const unscored = new Set(notScored(modern));
  const required = modern.scenarios.filter((scenario) => !unscored.has(scenario.name));
  const requiredFailing = required.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
  const requiredChecks = required.reduce((sum, scenario) => sum + scenario.passed, 0);
  t.diagnostic(
    `2026-07-28: ${required.length - requiredFailing.length}/${required.length} required scenarios pass (${requiredChecks} checks); not scored: ${[...unscored].join(", ")}`,
  );
  assert.equal(required.length, 37, `the revision's 37 required scenarios ran:\n${modern.output.slice(-3000)}`);
  assert.deepEqual(requiredFailing, [], `failing required scenarios:\n${modern.output.slice(-6000)}`);
  // Real checks, not vacuous passes: every required scenario ran at least one check, and the MRTR ones both rounds.
  for (const scenario of required) assert.ok(scenario.passed >= 1, `${scenario.name} ran no check`);
  for (const name of ["input-required-result-basic-elicitation", "input-required-result-multi-round"])
    assert.ok(required.find((scenario) => scenario.name === name)!.passed >= 2, `${name}: both rounds checked`);
  assert.ok(
    required.find((scenario) => scenario.name === "server-stateless")!.passed >= 26,
    "server-stateless ran its checks",
  );

  t.diagnostic(`0.1.16: ${legacy.total.passed} passed, ${legacy.total.failed} failed`);
  assert.deepEqual(failing(legacy), [], legacy.output.slice(-6000));
  assert.ok(legacy.total.passed >= 40, `the 40 checks of 0.1.16 passed (got ${legacy.total.passed})`);
  assert.equal(legacy.exitCode, 0);

  t.diagnostic(
    `--requirements 2025-11-25: ${legacyRequirements.total.passed} passed, ${legacyRequirements.total.failed} failed`,
  );
  assert.deepEqual(failing(legacyRequirements), [], legacyRequirements.output.slice(-6000));
  assert.ok(legacyRequirements.total.passed >= 78, `got ${legacyRequirements.total.passed}`);
  assert.equal(legacyRequirements.exitCode, 0);
});
