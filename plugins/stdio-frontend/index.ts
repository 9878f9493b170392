import { definePlugin, gatewayTokens, parsePluginOptions, STDIO_PRINCIPAL, type PluginContext } from "open-mcp-gateway";
import { opensModern } from "./opensModern.js";
import { stdioFrontendPluginOptions, type StdioFrontendOptions } from "./options.js";
import { StdioFrontTransport } from "./StdioFrontTransport.js";
import { UnknownServerResponder } from "./UnknownServerResponder.js";

/** `mcpgw stdio`: the gateway as one MCP server on stdin/stdout, for Claude Desktop and every stdio client. */
export const stdioFrontendPlugin = definePlugin((rawOptions: Partial<StdioFrontendOptions> = {}) => {
  const options = parsePluginOptions("stdio-frontend", stdioFrontendPluginOptions, rawOptions);
  return {
    name: "stdio-frontend",
    apply(ctx) {
      if (ctx.mode !== "stdio") return;
      let close: () => Promise<void> = async () => {};
      ctx.hooks.listen.tapPromise("stdio-frontend", async () => {
        // The end of stdin is the client going away: stop everything, as a signal would.
        const transport = new StdioFrontTransport(
          process.stdin,
          process.stdout,
          () => void ctx.kernel.stop({ kind: "stdin-closed" }),
        );
        close = await serve(ctx, options, transport);
      });
      // At shutdown, not before: the supervisor's drain (in beforeShutdown) lets calls in flight finish, and their answers go out first.
      ctx.hooks.shutdown.tapPromise("stdio-frontend", () => close());
    },
  };
});

async function serve(
  ctx: PluginContext,
  options: StdioFrontendOptions,
  transport: StdioFrontTransport,
): Promise<() => Promise<void>> {
  const sessions = ctx.use(gatewayTokens.sessions);
  const servers = sessions.servers();
  if (!options.gateway && options.server && !servers.includes(options.server)) {
    ctx.logger.error(`Server '${options.server}' not found in catalog; known: ${servers.join(", ") || "none"}`);
    const responder = new UnknownServerResponder(transport, options.server);
    await responder.start();
    return () => transport.close();
  }
  const url = options.gateway ? gatewayUrl(options.gateway, options.server) : undefined;
  const apiKey = options.api_key ?? process.env.MCP_GATEWAY_API_KEY;
  if (url) ctx.use(gatewayTokens.redactor).add([apiKey, url.password]);
  // The first message says the era: an initialize (or anything without the 2026-07-28 envelope) is a 2025 client.
  const opening = await transport.opening();
  if (opening === undefined) {
    // Input that ended before any message: starting hands the end over (the kernel stops).
    await transport.start();
    return () => transport.close();
  }
  if (opensModern(opening)) {
    // Loaded with a 2026-07-28 client only: it brings the v2 SDK's server.
    const modern = await import("./ModernStdioFront.js");
    const close = await modern.serveModern(transport, () =>
      url ? modern.gatewaySession(url, apiKey) : modern.localSession(sessions, options.server),
    );
    ctx.logger.info(
      url ? `Forwarding a 2026-07-28 stdio client to ${url.href}` : "Serving a 2026-07-28 client on stdio",
    );
    return close;
  }
  if (url) {
    // Loaded only in this mode: it brings the SDK's HTTP client transport.
    const { GatewayBridge } = await import("./GatewayBridge.js");
    const redactor = ctx.use(gatewayTokens.redactor);
    const bridge = new GatewayBridge(transport, url, apiKey, ctx.logger, redactor, options.server);
    await bridge.start();
    ctx.logger.info(`Forwarding stdio to the gateway at ${url.href}`);
    return () => bridge.close();
  }
  const session = await sessions.open({
    ...(options.server && { server: options.server }),
    principal: STDIO_PRINCIPAL,
    transport: "stdio",
  });
  await session.connect(transport);
  ctx.logger.info(
    options.server ? `Serving server '${options.server}' on stdio` : `Serving ${servers.length} servers on stdio`,
  );
  return () => session.close();
}

function gatewayUrl(gateway: string, server: string | undefined): URL {
  return new URL(server ? `mcp/${encodeURIComponent(server)}` : "mcp", gateway.endsWith("/") ? gateway : `${gateway}/`);
}

export default stdioFrontendPlugin;
