// Shared by the docker plugin's tests: the compiled plugin as a file plugin of an in-process gateway
// (what `plugins: { docker: {} }` resolves to once the package is installed), and tool calls.
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { repoRoot } from "../../../test/helpers/files.js";
import type { TestEngine } from "./helpers/engine.js";

/** The plugin as the root build compiled it (dist/packages/…/src), importing the same gateway as the tests. */
export const PLUGIN = path.join(repoRoot, "dist", "packages", "mcpgw-plugin-docker", "src", "index.js");

/** A `docker` server entry running the fixture image, sandboxed by default. */
export function dockerServer(
  engine: TestEngine,
  id: string,
  runtime: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id, runtime: { type: "docker", image: engine.image, pull: "never", ...runtime }, ...extra };
}

/** The text of a tool's one text content. */
export async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const [first] = result.content;
  if (first?.type !== "text") throw new Error(`${name} answered ${JSON.stringify(result)}`);
  return first.text;
}
