import { statSync } from "node:fs";
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

/** Relative to the file the server was defined in, like every other path in the config. */
export function workingDirOf(server: ServerDefinition): string {
  const { working_dir } = server.runtime as Partial<LocalProcessOptions>;
  return path.resolve(server.origin.dir, working_dir ?? ".");
}

/**
 * What is wrong with a server's working_dir, checked before each spawn (and by `validate`): a
 * missing folder makes spawn fail with ENOENT, which reads as if the command were missing.
 */
export function workingDirProblem(server: ServerDefinition): string | undefined {
  const dir = workingDirOf(server);
  try {
    return statSync(dir).isDirectory() ? undefined : `working_dir ${dir} is not a folder`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? `working_dir ${dir} does not exist` : `working_dir ${dir} cannot be used (${code})`;
  }
}

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
    const { command, args } = server.runtime;
    this.#command = command;
    this.#transport = new ProcessTransport({
      command,
      args,
      cwd: workingDirOf(server),
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
