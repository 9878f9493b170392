import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

/**
 * The SDK client, plus the server's initialize result exactly as sent: the SDK keeps only some of
 * its fields (capabilities, serverInfo, instructions), and the gateway caches and re-serves it whole.
 */
export class GatewayClient extends Client {
  #initializeResult?: Record<string, unknown>;

  get initializeResult(): Record<string, unknown> | undefined {
    return this.#initializeResult;
  }

  override async connect(transport: Transport, options?: RequestOptions): Promise<void> {
    // The SDK calls a handler found on the transport before its own; during connect the only
    // result that can arrive is the answer to initialize.
    const previous = transport.onmessage;
    let connecting = true;
    transport.onmessage = (message, extra) => {
      if (connecting && !this.#initializeResult && "result" in message) this.#initializeResult = message.result as Record<string, unknown>;
      previous?.(message, extra);
    };
    try {
      await super.connect(transport, options);
    } finally {
      connecting = false;
    }
  }
}
