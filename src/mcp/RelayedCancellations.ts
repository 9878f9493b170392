import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";

/**
 * A backend's `notifications/cancelled` for one of its own requests that the gateway is relaying to
 * a client: it aborts the relay, so the client's request is cancelled too (with the backend's
 * reason). The SDK (through 1.32) ignores a cancellation of request id 0, the first request a
 * backend sends (typescript-sdk#2283), so the gateway takes cancellations off the SDK's handler and
 * applies them itself, to every request it relays.
 */
export class RelayedCancellations {
  readonly #relaying = new Map<RequestId, AbortController>();

  /**
   * Takes over `client`'s cancellations; its other notifications go where they went. A backend client
   * is configured after its notification handler is set (BackendInstance), so that is the one wrapped.
   */
  constructor(client: Client) {
    client.removeNotificationHandler("notifications/cancelled");
    const notified = client.fallbackNotificationHandler;
    client.fallbackNotificationHandler = async (notification) => {
      if (notification.method !== "notifications/cancelled") return notified?.(notification);
      const { requestId, reason } = (notification.params ?? {}) as { requestId?: RequestId; reason?: unknown };
      if (requestId !== undefined) this.#relaying.get(requestId)?.abort(reason);
    };
  }

  /** Relays the backend's request `requestId` with `relay`, aborted when the backend cancels it or the SDK aborts `signal`. */
  async relay<T>(requestId: RequestId, signal: AbortSignal, relay: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const cancelled = new AbortController();
    this.#relaying.set(requestId, cancelled);
    try {
      return await relay(AbortSignal.any([signal, cancelled.signal]));
    } finally {
      this.#relaying.delete(requestId);
    }
  }
}
