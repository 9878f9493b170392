import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, Progress } from "@modelcontextprotocol/sdk/types.js";

/**
 * The gateway's own progress tokens on one backend connection, and where each one's progress goes.
 * Progress for them is taken off the transport before the SDK sees it: the SDK dispatches
 * notifications a microtask later than responses, so the last progress of a call would otherwise be
 * dropped when it arrives together with the result (typescript-sdk#2580).
 */
export class ProgressRouter {
  readonly #handlers = new Map<string, (progress: Progress) => void>();
  #next = 0;

  constructor(private readonly server: string) {}

  /** A token for one call whose progress goes to `handler`; `release` it when the call ends. */
  register(handler: (progress: Progress) => void): string {
    const token = `mcpgw-${this.server}-${++this.#next}`;
    this.#handlers.set(token, handler);
    return token;
  }

  release(token: string): void {
    this.#handlers.delete(token);
  }

  clear(): void {
    this.#handlers.clear();
  }

  /** Routes the gateway's tokens' progress from `transport` before the SDK's own handling. */
  intercept(transport: Transport): void {
    const deliver = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra) => {
      if ("method" in message && message.method === "notifications/progress" && !("id" in message)) {
        const { progressToken, ...progress } = (message.params ?? {}) as Progress & { progressToken?: unknown };
        const handler = typeof progressToken === "string" ? this.#handlers.get(progressToken) : undefined;
        if (handler) return handler(progress as Progress);
      }
      deliver?.(message, extra);
    };
  }
}
