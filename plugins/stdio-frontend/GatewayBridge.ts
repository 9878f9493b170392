import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { isJSONRPCRequest, type JSONRPCMessage, type JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, type Logger } from "open-mcp-gateway";
import type { StdioFrontTransport } from "./StdioFrontTransport.js";

/** The original's code for "could not reach the server", here the gateway. */
const CONNECT_FAILED = -32002;

/**
 * `mcpgw stdio --gateway URL`: a desktop client's stdio session carried to a running HTTP
 * gateway over Streamable HTTP, message for message. When the gateway is down the client gets an
 * MCP error saying so; the next message connects again and, if the client had initialized,
 * opens a fresh gateway session with the client's own initialize before passing the message on.
 */
export class GatewayBridge {
  #upstream?: StreamableHTTPClientTransport;
  #initialize?: JSONRPCRequest;
  #replays = 0;
  readonly #internal = new Map<string, (message: JSONRPCMessage) => void>();
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly front: StdioFrontTransport,
    private readonly url: URL,
    private readonly apiKey: string | undefined,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    // One message at a time, in order: a reconnect must finish before the next message goes out.
    this.front.onmessage = (message) => {
      this.#queue = this.#queue.then(() => this.#fromClient(message));
    };
    await this.front.start();
  }

  async close(): Promise<void> {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    await upstream?.terminateSession().catch(() => {});
    await upstream?.close().catch(() => {});
    await this.front.close();
  }

  async #fromClient(message: JSONRPCMessage): Promise<void> {
    if (isJSONRPCRequest(message) && message.method === "initialize") this.#initialize = message;
    for (let attempt = 0; ; attempt++) {
      try {
        const upstream = await this.#connect(message);
        await upstream.send(message);
        return;
      } catch (error) {
        const hadSession = this.#upstream?.sessionId !== undefined;
        await this.#drop();
        // A 404 for a known session means the gateway restarted or expired it: start over once.
        if (attempt === 0 && hadSession && error instanceof StreamableHTTPError && error.code === 404) continue;
        this.logger.warn(`Gateway ${this.url.href}: ${errorMessage(error)}`);
        if (isJSONRPCRequest(message))
          await this.front.send({
            jsonrpc: "2.0",
            id: message.id,
            error: { code: CONNECT_FAILED, message: this.#explain(error) },
          } as JSONRPCMessage);
        return;
      }
    }
  }

  async #connect(message: JSONRPCMessage): Promise<StreamableHTTPClientTransport> {
    if (this.#upstream) return this.#upstream;
    const transport = new StreamableHTTPClientTransport(this.url, {
      requestInit: this.apiKey ? { headers: { Authorization: `Bearer ${this.apiKey}` } } : {},
    });
    transport.onmessage = (reply) => this.#fromGateway(transport, reply);
    transport.onerror = (error) => this.logger.debug(`Gateway stream: ${errorMessage(error)}`);
    transport.onclose = () => {
      if (this.#upstream === transport) this.#upstream = undefined;
    };
    await transport.start();
    this.#upstream = transport;
    const isInitialize = isJSONRPCRequest(message) && message.method === "initialize";
    if (this.#initialize && !isInitialize) await this.#replayInitialize(transport, this.#initialize);
    return transport;
  }

  /** Opens a gateway session for a client that initialized through an earlier one; the answer stays here. */
  async #replayInitialize(transport: StreamableHTTPClientTransport, initialize: JSONRPCRequest): Promise<void> {
    const id = `mcpgw-bridge-${++this.#replays}`;
    const answered = new Promise<JSONRPCMessage>((resolve) => this.#internal.set(id, resolve));
    await transport.send({ ...initialize, id });
    const reply = (await answered) as { error?: { message: string } };
    if (reply.error) throw new Error(`the gateway refused to initialize again: ${reply.error.message}`);
    await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    this.logger.info(`Opened a new gateway session at ${this.url.href}`);
  }

  #fromGateway(transport: StreamableHTTPClientTransport, message: JSONRPCMessage): void {
    const id = (message as { id?: unknown }).id;
    const result = (message as { result?: { protocolVersion?: unknown } }).result;
    if (typeof result?.protocolVersion === "string") transport.setProtocolVersion(result.protocolVersion);
    const internal = typeof id === "string" ? this.#internal.get(id) : undefined;
    if (internal) {
      this.#internal.delete(id as string);
      return internal(message);
    }
    void this.front.send(message);
  }

  async #drop(): Promise<void> {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    await upstream?.close().catch(() => {});
  }

  #explain(error: unknown): string {
    if (error instanceof StreamableHTTPError && error.code === 401)
      return `The gateway at ${this.url.href} needs an API key: pass --api-key or set MCP_GATEWAY_API_KEY`;
    if (error instanceof StreamableHTTPError && error.code === 403)
      return `The gateway at ${this.url.href} refused the API key (403): check --api-key or MCP_GATEWAY_API_KEY`;
    return `Failed to connect to the gateway at ${this.url.href}: ${rootCause(error)}; is \`mcpgw serve\` running? The next request tries again`;
  }
}

/** fetch wraps the socket error (ECONNREFUSED, ENOTFOUND) a few causes deep; that code is what helps. */
function rootCause(error: unknown): string {
  let deepest = error as { cause?: unknown; code?: unknown } | undefined;
  for (let current = deepest; current; current = current.cause as typeof current) {
    if (typeof current.code === "string") return current.code;
    deepest = current;
  }
  return errorMessage(deepest);
}
