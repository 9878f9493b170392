import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { sdkTypes } from "open-mcp-gateway";
import type { StdioFrontTransport } from "./StdioFrontTransport.js";

/** The original's answer when `--server` names no configured server: -32001 to every request, so the client shows why. */
export class UnknownServerResponder {
  constructor(
    private readonly transport: StdioFrontTransport,
    private readonly server: string,
  ) {}

  async start(): Promise<void> {
    const { isJSONRPCRequest } = await sdkTypes();
    this.transport.onmessage = (message) => {
      if (!isJSONRPCRequest(message)) return;
      void this.transport.send({
        jsonrpc: "2.0",
        id: message.id,
        error: { code: -32001, message: `Server '${this.server}' not found in catalog` },
      } as JSONRPCMessage);
    };
    await this.transport.start();
  }
}
