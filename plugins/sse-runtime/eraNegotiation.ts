import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { gatewayVersion } from "open-mcp-gateway";

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** How a `remote-sse` server's protocol era is chosen (`protocol_era`). */
export type EraChoice = "auto" | "legacy" | "modern";

/** The revision a `protocol_era: modern` server must offer (the SDK's pin). */
const MODERN_VERSION = "2026-07-28";
/**
 * How long a backend found to speak only the 2025 revision skips the probe. A legacy verdict never
 * corrects itself (an upgraded server still answers initialize), so it is dated, as the SDK's gateway
 * guide advises; within it, a legacy backend's sessions start exactly as before the probe existed.
 */
const LEGACY_VERDICT_TTL_MS = 10 * 60_000;
/** The share of the connect budget the probe may use in `auto`: what is left goes to the 2025 handshake. */
const PROBE_SHARE = 3;
/**
 * Declared so the SDK accepts the handlers that pass embedded input requests on; what the backend is
 * told per request is the front client's own capabilities (ModernBackendTransport sends them).
 */
const ALL_INPUT_CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };

/** When each endpoint (URL and headers) was last found to speak only 2025 MCP. */
const legacyVerdicts = new Map<string, number>();

/** Why the SDK's connect stopped: its probe found no 2026-07-28 server and it was about to send initialize. */
class LegacyVerdict extends Error {}

export interface ModernConnectOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: Fetch;
  readonly era: Exclude<EraChoice, "legacy">;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * Asks the backend for its era with the SDK's own negotiation (`server/discover`, then its verdict):
 * a connected 2026-07-28 client when the backend speaks it, undefined when it does not. In `auto`,
 * anything short of definite modern evidence (a 2025 answer, a 5xx, a probe timeout) is undefined too:
 * the 2025 handshake, which follows, was what connected this runtime before, and words its failures as before.
 * The SDK's own fallback initialize is stopped at the fetch, so a 2025 backend sees only the probe.
 */
export async function connectModern(options: ModernConnectOptions): Promise<Client | undefined> {
  const probeFetch: Fetch = (url, init) =>
    isInitialize(init?.body) ? Promise.reject(new LegacyVerdict()) : options.fetch(url, init);
  const transport = new StreamableHTTPClientTransport(options.url, {
    requestInit: { headers: { ...options.headers } },
    fetch: probeFetch,
  });
  const client = new Client(
    { name: "open-mcp-gateway", version: gatewayVersion() },
    {
      capabilities: ALL_INPUT_CAPABILITIES,
      versionNegotiation: {
        mode: options.era === "modern" ? { pin: MODERN_VERSION } : "auto",
        probe: { timeoutMs: options.era === "modern" ? options.timeoutMs : options.timeoutMs / PROBE_SHARE },
      },
    },
  );
  try {
    await client.connect(transport, { timeout: options.timeoutMs, signal: options.signal });
    legacyVerdicts.delete(verdictKey(options));
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    if (options.era === "modern") throw error;
    return undefined;
  }
}

/** Whether the endpoint was found to speak only 2025 MCP recently enough to skip the probe. */
export function knownLegacy(options: Pick<ModernConnectOptions, "url" | "headers">): boolean {
  const since = legacyVerdicts.get(verdictKey(options));
  return since !== undefined && Date.now() - since < LEGACY_VERDICT_TTL_MS;
}

/** Notes that the endpoint answered the 2025 handshake after its probe: its next sessions skip the probe. */
export function rememberLegacy(options: Pick<ModernConnectOptions, "url" | "headers">): void {
  const now = Date.now();
  for (const [key, since] of legacyVerdicts) if (now - since >= LEGACY_VERDICT_TTL_MS) legacyVerdicts.delete(key);
  legacyVerdicts.set(verdictKey(options), now);
}

/** A verdict holds for one endpoint and one set of credentials (a different key may reach a different server). */
function verdictKey(options: Pick<ModernConnectOptions, "url" | "headers">): string {
  return JSON.stringify([options.url.href, Object.entries(options.headers).sort()]);
}

function isInitialize(body: RequestInit["body"]): boolean {
  if (typeof body !== "string" || !body.includes('"initialize"')) return false;
  try {
    return (JSON.parse(body) as { method?: unknown }).method === "initialize";
  } catch {
    return false;
  }
}
