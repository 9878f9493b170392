import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import type { Implementation } from "@modelcontextprotocol/sdk/types.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ResultSchema, type Result } from "@modelcontextprotocol/sdk/types.js";
import { sharedJsonSchemaValidator } from "../protocol/jsonSchemaValidator.js";
import { MAX_MESSAGE_DEPTH, nestedDeeperThan, RpcCode } from "../protocol/protocol.js";
import { UNTIMED_MS } from "./CallDeadline.js";

/**
 * The SDK client, plus the server's initialize result exactly as sent: the SDK keeps only some of
 * its fields (capabilities, serverInfo, instructions), and the gateway caches and re-serves it whole.
 * A result nested too deeply to pass on (see MAX_MESSAGE_DEPTH) becomes an error for its request.
 */
export class GatewayClient extends Client {
  #initializeResult?: Record<string, unknown>;

  constructor(info: Implementation, options: ClientOptions) {
    super(info, { jsonSchemaValidator: sharedJsonSchemaValidator, ...options });
    // The SDK arms a timer for every request, even at setTimeout's ceiling; a call the gateway times
    // itself (CallDeadline) gets none, one timer fewer per call. Every other request keeps the SDK's.
    const protocol = this as unknown as {
      _setupTimeout?: (messageId: number, timeout: number, ...rest: never[]) => void;
    };
    const setupTimeout = protocol._setupTimeout;
    if (typeof setupTimeout === "function")
      protocol._setupTimeout = (messageId, timeout, ...rest) => {
        if (timeout !== UNTIMED_MS) setupTimeout.call(this, messageId, timeout, ...rest);
      };
  }

  get initializeResult(): Record<string, unknown> | undefined {
    return this.#initializeResult;
  }

  /** A request whose result comes back as sent: the SDK's loose ResultSchema, not a method's strict one, which would drop fields this SDK version does not know. */
  requestAsSent(
    request: { method: string; params?: Record<string, unknown> },
    options?: RequestOptions,
  ): Promise<Result> {
    return this.request(request, ResultSchema, options);
  }

  override async connect(transport: Transport, options?: RequestOptions): Promise<void> {
    // The SDK calls a handler found on the transport before its own; during connect the only
    // result that can arrive is the answer to initialize.
    const previous = transport.onmessage;
    let connecting = true;
    transport.onmessage = (message, extra) => {
      if ("result" in message && nestedDeeperThan(message.result, MAX_MESSAGE_DEPTH)) {
        // The SDK dispatches this same object after us: rewritten in place, the call ends with an error.
        const response = message as unknown as Record<string, unknown>;
        delete response.result;
        response.error = {
          code: RpcCode.InternalError,
          message: `The server's answer nests deeper than ${MAX_MESSAGE_DEPTH} levels; the gateway does not pass it on`,
        };
      } else if (connecting && !this.#initializeResult && "result" in message) {
        this.#initializeResult = message.result as Record<string, unknown>;
      }
      previous?.(message, extra);
    };
    try {
      await super.connect(transport, options);
    } finally {
      connecting = false;
    }
  }
}
