/**
 * External programs the tests fetch with npx, pinned so a new release cannot change what a test means.
 * scripts/run-tests.mjs installs them into npm's cache once, one after another, before the tests run
 * (several npx processes filling an empty cache at once can trip over each other).
 */
export const NODE22_PACKAGE = "node@22";
export const CONFORMANCE_PACKAGE = "@modelcontextprotocol/conformance@0.1.16";
/**
 * For `server-sse-polling` and `--requirements 2025-11-25` (the scenarios that revision requires, frozen
 * at its release; the flag is new in 0.2.0). 0.1.16 probes `server-sse-polling` with
 * `MCP-Protocol-Version: 2025-03-26`, and the SDK rightly sends no priming event (the scenario's subject)
 * to a client that old, so the scenario cannot pass there; conformance#366 made it send 2025-11-25, which
 * 0.2.0-alpha.12 has.
 */
export const CONFORMANCE_SSE_POLLING_PACKAGE = "@modelcontextprotocol/conformance@0.2.0-alpha.12";
/** The Inspector 2.x declares Node 22, but its CLI runs on Node 20. */
export const INSPECTOR_PACKAGE = "@modelcontextprotocol/inspector@2.12.0";
/** The stdio-to-remote bridge desktop clients use for remote servers (an OAuth client: what a 401 must not send into a sign-in). */
export const MCP_REMOTE_PACKAGE = "mcp-remote@0.15.1";
/** Claude Code's CLI, for `claude mcp list` against a gateway that needs a key. */
export const CLAUDE_CODE_PACKAGE = "@anthropic-ai/claude-code@2.1.332";
