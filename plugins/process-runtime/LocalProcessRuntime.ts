import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  type ServerDefinition,
  isMcpError,
  RpcCode,
  type BackendRuntime,
  type RuntimeConnectOptions,
  type RuntimeContext,
} from "open-mcp-gateway";
import { childEnvironment } from "./childEnv.js";
import type { LocalProcessOptions } from "./options.js";
import type { OrphanGuard } from "./OrphanGuard.js";
import { describeExit, ProcessTransport, type StopGrace } from "./ProcessTransport.js";

/** How long a failed connect waits to learn whether the child died (its stdout can close before its exit is reported). */
const EXIT_REPORT_MS = 500;

/** A `local-process` backend: one child process speaking MCP on stdio. */
export class LocalProcessRuntime implements BackendRuntime {
  readonly #transport: ProcessTransport;
  readonly #command: string;

  constructor(
    server: ServerDefinition & { runtime: LocalProcessOptions },
    context: RuntimeContext,
    guard: OrphanGuard,
    grace?: StopGrace,
  ) {
    const { command, args, working_dir } = server.runtime;
    this.#command = command;
    this.#transport = new ProcessTransport({
      command,
      args,
      // Relative to the file the server was defined in, like every other path in the config.
      cwd: path.resolve(server.origin.dir, working_dir ?? "."),
      env: childEnvironment(server.env),
      logger: context.logger,
      guard,
      ...(grace && { grace }),
    });
  }

  get pid(): number | undefined {
    return this.#transport.pid;
  }

  async connect(client: Client, options: RuntimeConnectOptions): Promise<void> {
    try {
      await client.connect(this.#transport, { timeout: options.timeoutMs, signal: options.signal });
    } catch (error) {
      // "Connection closed" says nothing; a child that died during the handshake says why it ended.
      const closed = isMcpError(error) && error.code === RpcCode.ConnectionClosed;
      const exit = closed ? await this.#transport.exitWithin(EXIT_REPORT_MS) : undefined;
      if (exit) {
        // What it wrote just before it died is still in the pipe when the exit is reported.
        await this.#transport.stderrDrained(EXIT_REPORT_MS);
        const silent = this.#transport.stderrTail.length === 0;
        // Otherwise the supervisor quotes its last stderr lines (recentOutput).
        throw new Error(`${describeExit(exit)}${silent ? " (it wrote nothing to stderr)" : ""}`, { cause: error });
      }
      throw error;
    }
  }

  describe(): Readonly<Record<string, unknown>> {
    // Only the program: arguments may carry tokens.
    return { transport: "stdio", command: this.#command };
  }

  recentOutput(): readonly string[] {
    return this.#transport.stderrTail;
  }

  stop(): Promise<void> {
    return this.#transport.close();
  }
}
