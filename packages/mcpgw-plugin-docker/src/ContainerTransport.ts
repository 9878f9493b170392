import { PassThrough, type Duplex } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { type Logger, readBackendStdio, sdkTypes, StdinWriter } from "open-mcp-gateway";

/** What is kept of a container's stderr for a start error: its last lines, at most this many bytes. */
const TAIL_BYTES = 2_048;
const TAIL_LINES = 5;

export interface AttachedContainer {
  /** The hijacked attach connection: writes reach the container's stdin, reads carry its multiplexed stdout and stderr. */
  readonly stream: Duplex;
  /** Splits the multiplexed stream (dockerode's modem.demuxStream). */
  demux(stream: Duplex, stdout: PassThrough, stderr: PassThrough): void;
  /** Ends the container at once (its stdout is corrupt). */
  kill(): void;
}

/**
 * MCP over an attached container's stdio: the same framing as a local process (one message per
 * stdout line, stderr into the gateway log), on the streams the Engine API multiplexes into one
 * connection. The container's end ends the connection, which closes the transport.
 */
export class ContainerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #stdin?: StdinWriter;
  #closed = false;
  #tail = Buffer.alloc(0);

  constructor(
    private readonly attached: AttachedContainer,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const messageSchema = (await sdkTypes()).JSONRPCMessageSchema;
    const { stream } = this.attached;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.attached.demux(stream, stdout, stderr);
    const ended = () => {
      stdout.end();
      stderr.end();
    };
    stream.once("end", ended);
    stream.once("close", ended);
    stream.on("error", (error) => {
      this.logger.debug(`The container's attach connection failed: ${error.message}`);
      ended();
    });
    stderr.on("data", (chunk: Buffer) => {
      this.#tail = Buffer.concat([this.#tail, chunk]);
      if (this.#tail.length > TAIL_BYTES) this.#tail = this.#tail.subarray(this.#tail.length - TAIL_BYTES);
    });
    readBackendStdio(stdout, stderr, {
      logger: this.logger,
      messageSchema,
      onMessage: (message) => this.onmessage?.(message),
      onCorrupt: (error) => {
        this.onerror?.(error);
        this.attached.kill();
      },
      onStdoutEnd: () => this.finish(),
    });
    this.#stdin = new StdinWriter(stream);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#stdin || this.#closed) throw new Error("The container is not running");
    await this.#stdin.send(message);
  }

  /** Ends the container's stdin (the MCP signal to exit); the runtime's stop does the rest. */
  async close(): Promise<void> {
    this.attached.stream.end();
    this.finish();
  }

  /** The last lines the container wrote to stderr, for an error that says why a start failed. */
  stderrTail(): string {
    const lines = this.#tail
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
    return lines.slice(-TAIL_LINES).join("\n");
  }

  /** Reports the end once. */
  finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
    // After onclose: the SDK has failed the pending requests as lost to the exit, which is what their callers hear.
    this.#stdin?.fail(new Error("The container is not running"));
  }
}
