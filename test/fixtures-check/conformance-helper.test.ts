// The conformance helper must report failures as failures: parsing of both summary formats, and a real run
// against a port where nothing listens.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { conformanceCommand, parseConformanceOutput, runConformanceServer } from "../helpers/conformance.js";

test("parses the suite summary, with colour codes, and the single-scenario line", () => {
  const suite = [
    "=== SUMMARY ===",
    "\u001b[32m✓\u001b[0m server-initialize: 1 passed, 0 failed",
    "✗ tools-call-image: 0 passed, 1 failed",
    "✓ elicitation-sep1330-enums: 5 passed, 0 failed",
    "",
    "Total: 6 passed, 1 failed",
  ].join("\n");
  assert.deepEqual(parseConformanceOutput(suite), {
    total: { passed: 6, failed: 1 },
    scenarios: [
      { name: "server-initialize", passed: 1, failed: 0 },
      { name: "tools-call-image", passed: 0, failed: 1 },
      { name: "elicitation-sep1330-enums", passed: 5, failed: 0 },
    ],
  });
  assert.deepEqual(parseConformanceOutput("Test Results:\nPassed: 3/4, 1 failed, 2 warnings\n"), {
    total: { passed: 3, failed: 1 },
    scenarios: [],
  });
  assert.throws(() => parseConformanceOutput("npm error 404 Not Found"), /no "Total:" or "Passed:" line/);
});

test("builds the npx command without a shell, pinned to node@22 and conformance 0.1.16", () => {
  const { args } = conformanceCommand("http://127.0.0.1:1234/mcp/x", { scenario: "ping" });
  assert.deepEqual(args, [
    "-y",
    "-p",
    "node@22",
    "-p",
    "@modelcontextprotocol/conformance@0.1.16",
    "--",
    "conformance",
    "server",
    "--url",
    "http://127.0.0.1:1234/mcp/x",
    "--scenario",
    "ping",
  ]);
  assert.deepEqual(conformanceCommand("http://h/mcp", { suite: "pending" }).args.slice(-2), ["--suite", "pending"]);
});

test("a run against a port where nothing listens is reported as failed", { timeout: 6 * 60_000 }, async () => {
  // Take a free port and release it, so nothing is listening there.
  const port = await new Promise<number>((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
  const result = await runConformanceServer(`http://127.0.0.1:${port}/mcp`, { scenario: "ping" });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(result.total, { passed: 0, failed: 1 });
});
