import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { sdkTypes } from "open-mcp-gateway";

/** A line longer than this is answered with an error and skipped, never buffered whole. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * MCP over newline-delimited JSON on a stream pair, as desktop clients speak it. Unlike the
 * SDK's stdio server transport it answers what it cannot read (the original gateway's -32700
 * with id null for a line that is not JSON, -32600 for one that is not JSON-RPC or too long),
 * so a client never waits on a reply that will not come; and stdout carries nothing else.
 */
export class StdioFrontTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside a line that is over the limit: drop bytes until its end. */
  #skipping = false;
  #closed = false;
  #reading = false;
  #inputEnded = false;
  #messageSchema?: typeof JSONRPCMessageSchema;
  /** Messages read after `opening()` and before `start()`: whoever starts the transport gets them first. */
  #held?: JSONRPCMessage[];
  #onOpening?: (message: JSONRPCMessage | undefined) => void;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    /** The input ended (the client went away). */
    private readonly onEnd: () => void = () => {},
  ) {}

  async start(): Promise<void> {
    await this.#read();
    const held = this.#held;
    this.#held = undefined;
    for (const message of held ?? []) this.onmessage?.(message);
    // Input that ended while held: its requests are on their way now, and the end follows them as it would have.
    if (held && this.#inputEnded) setImmediate(this.onEnd);
  }

  /**
   * The client's first message, read before anyone started the transport (undefined when the input
   * ends first): it says which protocol era the connection speaks. It and what follows are held for
   * whoever then calls `start()`.
   */
  async opening(): Promise<JSONRPCMessage | undefined> {
    this.#held ??= [];
    await this.#read();
    if (this.#held.length > 0) return this.#held[0];
    if (this.#inputEnded) return undefined;
    return new Promise((resolve) => (this.#onOpening = resolve));
  }

  async #read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    this.#messageSchema = (await sdkTypes()).JSONRPCMessageSchema;
    this.input.on("data", this.#onData);
    this.input.once("end", this.#onEnd);
    this.input.once("error", this.#onEnd);
    this.input.resume();
  }

  #deliver(message: JSONRPCMessage): void {
    if (!this.#held) return this.onmessage?.(message);
    this.#held.push(message);
    this.#onOpening?.(message);
    this.#onOpening = undefined;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return;
    if (!this.output.write(`${JSON.stringify(message)}\n`)) await once(this.output, "drain");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopReading();
    this.onclose?.();
  }

  /** No more input; output stays open so the answers to requests still in flight reach the client. */
  readonly #onEnd = () => {
    this.#inputEnded = true;
    this.#stopReading();
    this.#onOpening?.(undefined);
    this.#onOpening = undefined;
    // Messages still held have reached nobody yet: the end waits for start(), which hands them over.
    if (!this.#held) this.onEnd();
  };

  #stopReading(): void {
    this.input.off("data", this.#onData);
    this.input.off("end", this.#onEnd);
    this.input.off("error", this.#onEnd);
    this.input.pause();
  }

  readonly #onData = (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.#take(chunk.subarray(start, newline));
      this.#endLine();
      start = newline + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start));
  };

  #take(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#pendingBytes + part.length > MAX_LINE_BYTES) {
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#skipping = true;
      this.#reply(null, -32600, `Message too large: a line may hold at most ${MAX_LINE_BYTES} bytes`);
      return;
    }
    this.#pending.push(Buffer.from(part));
    this.#pendingBytes += part.length;
  }

  #endLine(): void {
    const line = Buffer.concat(this.#pending).toString("utf8").trim();
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    if (line === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.#reply(null, -32700, "Parse error: invalid JSON");
    }
    const parsed = this.#messageSchema!.safeParse(value);
    if (!parsed.success) {
      const id = typeof value === "object" && value !== null && "id" in value ? (value as { id: unknown }).id : null;
      return this.#reply(
        typeof id === "string" || typeof id === "number" ? id : null,
        -32600,
        "Invalid Request: not a JSON-RPC 2.0 message (batches are not supported)",
      );
    }
    this.#deliver(parsed.data);
  }

  #reply(id: string | number | null, code: number, message: string): void {
    void this.send({ jsonrpc: "2.0", id, error: { code, message } } as unknown as JSONRPCMessage);
  }
}
