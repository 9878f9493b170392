// The MCP Inspector's CLI (a real third-party client) against the aggregated /mcp, and the README's commands.
import "reflect-metadata";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { INSPECTOR_PACKAGE } from "../helpers/external.js";
import { CLI, repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { runNpx } from "../helpers/npx.js";
import {
  CONFORMANCE_FIXTURE,
  EVERYTHING_BIN,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  type TestContext,
} from "./support.js";

/** Runs the Inspector's CLI (it writes ~/.mcp-inspector into the throwaway HOME). */
function inspector(t: TestContext, args: string[]) {
  return runNpx(t, [INSPECTOR_PACKAGE, "--cli", ...args]);
}

test("MCP Inspector CLI lists the aggregated tools and calls one through /mcp", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("conf", CONFORMANCE_FIXTURE)],
  });
  const listed = await inspector(t, [`${gateway.base}/mcp`, "--method", "tools/list"]);
  assert.equal(listed.code, 0, listed.stderr);
  const names = (JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
  for (const name of [
    "relay__tool_1",
    "relay__tool_5",
    "relay__echo",
    "relay__records",
    "conf__test_simple_text",
    "conf__json_schema_2020_12_tool",
  ]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }
  const called = await inspector(t, [
    `${gateway.base}/mcp`,
    "--method",
    "tools/call",
    "--tool-name",
    "relay__echo",
    "--tool-arg",
    "text=from-inspector",
  ]);
  assert.equal(called.code, 0, called.stderr);
  assert.deepEqual(JSON.parse(called.stdout).content, [{ type: "text", text: "echo: from-inspector" }]);
});

/** The README's Inspector commands, `\`-continued lines joined, as argument lists without `npx -y`. */
function readmeInspectorCommands(): string[][] {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const start = readme.indexOf("## Use with the MCP Inspector");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"))
    .filter((line) => line.startsWith("npx "))
    .map((line) => line.trim().split(/\s+/))
    .map((words) => {
      assert.deepEqual(words.slice(0, 2), ["npx", "-y"], words.join(" "));
      return words.slice(2);
    });
}

test("every Inspector command of the README runs as written: /mcp, a call, /mcp/<id>, /sse and stdio", async (t) => {
  const commands = readmeInspectorCommands();
  assert.equal(commands.length, 5, "the README's Inspector commands");
  for (const command of commands) assert.equal(command[0], INSPECTOR_PACKAGE, "the README pins the tested Inspector");

  const gateway = await startHttpGateway(t, { servers: [nodeServer("everything", EVERYTHING_BIN)] });
  // For the stdio command: `mcpgw` on PATH, as after the README's install, and its config in the working folder.
  const project = tempDir(t, "mcpgw-inspector-stdio-");
  const bin = path.join(project, "bin");
  mkdirSync(bin);
  symlinkSync(CLI, path.join(bin, "mcpgw"));
  writeFiles(project, {
    "mcpgw.config.yaml": JSON.stringify({
      state_dir: path.join(project, "state"),
      servers: [nodeServer("everything", EVERYTHING_BIN)],
    }),
  });
  const env = { PATH: [bin, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter) };

  const results = await Promise.all(
    commands.map((command) =>
      runNpx(
        t,
        command.map((word) => word.replace("http://127.0.0.1:4444", gateway.base)),
        { cwd: project, env },
      ),
    ),
  );
  results.forEach((result, index) => {
    const command = commands[index]!.join(" ");
    assert.equal(result.code, 0, `${command}\n${result.stderr}`);
    const answer = JSON.parse(result.stdout) as {
      tools?: Array<{ name: string }>;
      content?: Array<{ text: string }>;
      resources?: unknown[];
    };
    const tools = answer.tools?.map((tool) => tool.name) ?? [];
    if (command.includes("/mcp/everything"))
      assert.ok(tools.includes("echo") && !tools.includes("everything__echo"), command);
    else if (command.includes("tools/list"))
      assert.ok(tools.includes("everything__echo"), `${command}: ${tools.join(", ")}`);
    else if (command.includes("tools/call")) assert.match(answer.content![0]!.text, /hello/, command);
    else assert.ok((answer.resources?.length ?? 0) > 0, command);
  });
});
