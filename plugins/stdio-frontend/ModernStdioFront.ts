import { Server, type ServerCapabilities, type Transport as ModernTransport } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { gatewayVersion, sdkTypes, STDIO_PRINCIPAL, type McpSessions } from "open-mcp-gateway";
import type { StdioFrontTransport } from "./StdioFrontTransport.js";

/** The `_meta` keys of the 2026-07-28 request envelope: the gateway's own 2025 session has no use for them. */
const ENVELOPE_PREFIX = "io.modelcontextprotocol/";

/**
 * A 2026-07-28 client on stdio, served by the v2 SDK's `serveStdio` (its envelope checks, `server/discover`,
 * removed methods, cache hints) over a 2025 session of the gateway's own: `upstream` connects it (to the
 * local routing core, or to the HTTP gateway with `--gateway`). Every request goes through that session
 * unchanged but for the envelope, so the gateway's pipeline, names and filters apply as for any client.
 * The session declares no client capabilities: a stdio client of this era cannot be sent a request, so
 * backends are not offered sampling, elicitation or roots (the MRTR bridge is the HTTP front's).
 */
export async function serveModern(
  transport: StdioFrontTransport,
  upstream: () => Promise<Client>,
): Promise<() => Promise<void>> {
  const { ResultSchema } = await sdkTypes();
  const clients: Client[] = [];
  const handle = serveStdio(
    async () => {
      const client = await upstream();
      clients.push(client);
      const server = new Server(client.getServerVersion() ?? { name: "open-mcp-gateway", version: "0" }, {
        capabilities: (client.getServerCapabilities() ?? {}) as ServerCapabilities,
        ...(client.getInstructions() !== undefined && { instructions: client.getInstructions() }),
      });
      server.fallbackRequestHandler = (request, ctx) =>
        client.request({ method: request.method, params: withoutEnvelope(request.params) }, ResultSchema, {
          signal: ctx.mcpReq.signal,
        });
      return server;
    },
    { legacy: "reject", transport: transport as unknown as ModernTransport },
  );
  return async () => {
    await handle.close();
    await Promise.allSettled(clients.map((client) => client.close()));
  };
}

function withoutEnvelope(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (!meta) return params;
  const kept = Object.fromEntries(Object.entries(meta).filter(([key]) => !key.startsWith(ENVELOPE_PREFIX)));
  const { _meta: _envelope, ...rest } = params!;
  return Object.keys(kept).length > 0 ? { ...rest, _meta: kept } : rest;
}

/** A 2025 session of this process's routing core, in memory: what a 2026-07-28 stdio client is served through. */
export async function localSession(sessions: McpSessions, server: string | undefined): Promise<Client> {
  const session = await sessions.open({ ...(server && { server }), principal: STDIO_PRINCIPAL, transport: "stdio" });
  const [front, back] = InMemoryTransport.createLinkedPair();
  await session.connect(front);
  const client = new Client({ name: "mcpgw-stdio", version: gatewayVersion() }, { capabilities: {} });
  await client.connect(back);
  return client;
}

/** A 2025 session of the HTTP gateway (`--gateway`), with the key, for a 2026-07-28 stdio client. */
export async function gatewaySession(url: URL, apiKey: string | undefined): Promise<Client> {
  const client = new Client({ name: "mcpgw-stdio", version: gatewayVersion() }, { capabilities: {} });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {},
    }),
  );
  return client;
}
