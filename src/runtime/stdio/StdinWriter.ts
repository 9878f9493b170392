import type { Writable } from "node:stream";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

interface Pending {
  readonly line: string;
  /** The id of a request, so a cancellation can take it back before it is written. */
  readonly requestId?: string | number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * A backend's stdin, one message at a time: the next is written only once the pipe drained the
 * last. A backend that stops reading therefore holds at most one message in the pipe; the rest wait
 * here, and a request cancelled (timed out, aborted) before its turn is dropped with its
 * cancellation, so nothing of it stays in memory and the backend never hears of it.
 */
export class StdinWriter {
  #pending: Pending[] = [];

  constructor(private readonly stdin: Writable) {
    stdin.on("drain", () => this.#flush());
  }

  /** Resolves once the message is handed to the pipe (or dropped, for a cancellation of an unsent request). */
  send(message: JSONRPCMessage): Promise<void> {
    if ("method" in message && message.method === "notifications/cancelled" && "params" in message) {
      const cancelled = (message.params as { requestId?: string | number } | undefined)?.requestId;
      if (cancelled !== undefined && this.#drop(cancelled)) return Promise.resolve();
    }
    const line = `${JSON.stringify(message)}\n`;
    if (this.#pending.length === 0 && this.#canWrite()) {
      this.stdin.write(line);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({
        line,
        ...("id" in message && "method" in message && { requestId: message.id }),
        resolve,
        reject,
      });
    });
  }

  /** The backend is gone: what never reached it fails with `error`. */
  fail(error: Error): void {
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }

  #canWrite(): boolean {
    return this.stdin.writable && !this.stdin.writableNeedDrain;
  }

  #flush(): void {
    while (this.#pending.length > 0 && this.#canWrite()) {
      const next = this.#pending.shift()!;
      this.stdin.write(next.line);
      next.resolve();
    }
  }

  #drop(requestId: string | number): boolean {
    const index = this.#pending.findIndex((pending) => pending.requestId === requestId);
    if (index === -1) return false;
    // The SDK has already failed the request; its send resolves quietly.
    this.#pending.splice(index, 1)[0]!.resolve();
    return true;
  }
}
