import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { isJSONRPCRequest, type JSONRPCMessage, type JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, type Logger, type Redactor } from "open-mcp-gateway";
import type { StdioFrontTransport } from "./StdioFrontTransport.js";

/**
 * `mcpgw stdio --gateway URL`: a desktop client's stdio session carried to a running HTTP
 * gateway over Streamable HTTP, message for message. A request the gateway cannot take gets an MCP
 * error saying why (`bridgeFailure`); the next message connects again and, if the client had
 * initialized, opens a fresh gateway session with the client's own initialize before passing the
 * message on.
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
    /** The answer to the client names the gateway's URL, whose credentials it must not repeat. */
    private readonly redactor: Redactor,
    /** `--server`: the URL is `/mcp/<server>`. */
    private readonly server?: string,
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
        const answer = this.redactor.value(bridgeFailure(await this.#failure(error), this.url));
        this.logger.warn(answer.message);
        if (isJSONRPCRequest(message))
          await this.front.send({ jsonrpc: "2.0", id: message.id, error: answer } as JSONRPCMessage);
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
    if (reply.error) throw new Error(`it refused to initialize again: ${reply.error.message}`);
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

  /** What went wrong, from the SDK's error: the socket's cause, or the gateway's status and answer. */
  async #failure(error: unknown): Promise<GatewayFailure> {
    const status = error instanceof StreamableHTTPError ? (error.code ?? -1) : -1;
    if (status <= 0) {
      const cause = socketCause(error);
      return cause ? { kind: "unreachable", cause } : { kind: "failed", message: errorMessage(error) };
    }
    // The SDK keeps the gateway's answer only as the end of its message.
    const message = gatewayMessage(
      errorMessage(error).replace(/^Streamable HTTP error: Error POSTing to endpoint: /, ""),
    );
    // http-frontend's answer to /mcp/<id> for an id it lacks; any other 404 here is a wrong URL.
    if (status === 404 && this.server !== undefined && message === `Server '${this.server}' not found`)
      return { kind: "unknown-server", status, server: this.server, known: await this.#knownServers() };
    if (status === 401) return { kind: "no-key", status, message };
    // The Host/Origin guard answers 403 too; only api-key-auth's refusals are about the key.
    if (status === 403 && /API key/i.test(message)) return { kind: "key-refused", status, message };
    return { kind: status >= 500 ? "server-error" : "refused", status, message };
  }

  /** The gateway's server ids (GET /servers takes any accepted key) for the unknown-server message; undefined if that fails. */
  async #knownServers(): Promise<string[] | undefined> {
    try {
      const response = await fetch(new URL("../servers", this.url), {
        headers: this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {},
        signal: AbortSignal.timeout(2_000),
      });
      if (!response.ok) return undefined;
      return ((await response.json()) as Array<{ id: string }>).map((server) => server.id);
    } catch {
      return undefined;
    }
  }
}

/** How the gateway failed the bridge: `status` is the HTTP status, `message` the gateway's own words. */
export type GatewayFailure =
  | { kind: "unreachable"; cause: string }
  | { kind: "no-key" | "key-refused" | "refused" | "server-error"; status: number; message: string }
  | { kind: "unknown-server"; status: number; server: string; known: string[] | undefined }
  | { kind: "failed"; message: string };

/**
 * The client's answer to each failure. JSON-RPC's own codes, picked for what the client should do
 * (fix the setup, or try again), and never MCP's -32002 ("resource not found"):
 *
 * - -32000 (JSON-RPC's implementation-defined server-error range; the SDK's "Connection closed"): the
 *   gateway is not there or failed on its side (a socket error, a 5xx, a proxy's 502): trying again later helps.
 * - -32600 (Invalid Request): the gateway refused the request as sent: no key (401), a refused key or
 *   one without the `mcp` scope (403), any other 4xx. The gateway itself reports such refusals with -32600.
 * - -32602 (Invalid params): `--server` names a server the gateway does not have.
 * - -32603 (Internal error): the bridge could not make sense of what happened.
 *
 * HTTP failures carry `data.http_status`, as the gateway's own refusals do.
 */
export function bridgeFailure(failure: GatewayFailure, url: URL): { code: number; message: string; data?: unknown } {
  const at = `The gateway at ${url.href}`;
  const http = "status" in failure ? { data: { http_status: failure.status } } : {};
  switch (failure.kind) {
    case "unreachable":
      return { code: -32000, message: `${at} is not reachable: ${failure.cause}; ${IS_IT_RUNNING}` };
    case "server-error":
      return { code: -32000, message: `${at} failed (${failure.status}): ${failure.message}`, ...http };
    case "no-key":
      return { code: -32600, message: `${at} needs an API key (401: ${failure.message}): ${PASS_KEY}`, ...http };
    case "key-refused":
      return { code: -32600, message: `${at} refused the API key (403): ${failure.message}; ${CHECK_KEY}`, ...http };
    case "refused":
      return { code: -32600, message: `${at} refused the request (${failure.status}): ${failure.message}`, ...http };
    case "unknown-server":
      return { code: -32602, message: unknownServer(failure.server, new URL("..", url), failure.known), ...http };
    case "failed":
      return { code: -32603, message: `${at} failed: ${failure.message}` };
  }
}

const IS_IT_RUNNING = "is `mcpgw serve` running? The next request tries again";
const PASS_KEY = "pass --api-key or set MCP_GATEWAY_API_KEY";
const CHECK_KEY = "check --api-key or MCP_GATEWAY_API_KEY";

function unknownServer(server: string, gateway: URL, known: string[] | undefined): string {
  const list = known ? `; known: ${known.join(", ") || "none"}` : "";
  return `Server '${server}' is not configured on the gateway at ${gateway.href}${list}`;
}

/** The `message` of the gateway's error body (`{"error","message"}`, or a JSON-RPC error); else the body itself, shortened. */
function gatewayMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: { message?: unknown } };
    const message = parsed.message ?? parsed.error?.message;
    if (typeof message === "string") return message;
  } catch {
    // Not JSON: a proxy's page, or not mcpgw at all.
  }
  const text = body.trim().replace(/\s+/g, " ");
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || "(no message)";
}

/** fetch wraps the socket error (ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT) a few causes deep; that code is what helps. */
function socketCause(error: unknown): string | undefined {
  for (let current = error as { cause?: unknown; code?: unknown } | undefined; current;) {
    if (typeof current.code === "string") return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}
