import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ServerDefinition } from "../../src/config/model.js";
import type { BackendRuntime, RuntimeConnectOptions, RuntimeContext } from "../../src/runtime/types.js";
import { childEnvironment } from "./childEnv.js";
import type { LocalProcessOptions } from "./options.js";
import type { OrphanGuard } from "./OrphanGuard.js";
import { ProcessTransport, type StopGrace } from "./ProcessTransport.js";

/** A `local-process` backend: one child process speaking MCP on stdio. */
export class LocalProcessRuntime implements BackendRuntime {
  readonly #transport: ProcessTransport;
  readonly #command: string;

  constructor(server: ServerDefinition & { runtime: LocalProcessOptions }, context: RuntimeContext, guard: OrphanGuard, grace?: StopGrace) {
    const { command, args, working_dir } = server.runtime;
    this.#command = command;
    this.#transport = new ProcessTransport({
      command,
      args,
      // Relative to the file the server was defined in, like every other path in the config.
      cwd: path.resolve(server.origin.dir, working_dir ?? "."),
      env: childEnvironment(server.env),
      logger: context.logger,
      // Its own env values and whatever ${VAR} took from the environment anywhere in the config.
      secrets: [...Object.values(server.env), ...context.config.secrets],
      guard,
      ...(grace && { grace }),
    });
  }

  get pid(): number | undefined {
    return this.#transport.pid;
  }

  async connect(client: Client, options: RuntimeConnectOptions): Promise<void> {
    await client.connect(this.#transport, { timeout: options.timeoutMs, signal: options.signal });
  }

  describe(): Readonly<Record<string, unknown>> {
    // Only the program: arguments may carry tokens.
    return { transport: "stdio", command: this.#command };
  }

  stop(): Promise<void> {
    return this.#transport.close();
  }
}
