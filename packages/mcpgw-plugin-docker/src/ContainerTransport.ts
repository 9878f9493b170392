import { PassThrough, type Duplex } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { type BackendStderr, type Logger, readBackendStdio, sdkTypes, StdinWriter } from "open-mcp-gateway";

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
  #stderr?: BackendStderr;

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
    this.#stderr = readBackendStdio(stdout, stderr, {
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

  /** The last lines the container wrote to stderr, oldest first: the supervisor quotes them when a start fails or it crashes. */
  get stderrTail(): readonly string[] {
    return this.#stderr?.tail ?? [];
  }

  /** Resolves once stderr closed, or after `ms`: what the container wrote just before it ended may still be in the pipe. */
  async stderrDrained(ms: number): Promise<void> {
    if (this.#stderr)
      await Promise.race([this.#stderr.closed, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
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
