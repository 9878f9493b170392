import type { Hook, Tap } from "tapable";
import type { DependencyContainer } from "tsyringe";
import type { GatewayConfig } from "../config/model.js";
import { SchemaRegistry } from "../config/SchemaRegistry.js";
import { coreTokens } from "../di/tokens.js";
import type { PluginRecord } from "../plugin/types.js";
import { GatewayError, errorMessage } from "./errors.js";
import { createKernelHooks, type GatewayMode, type KernelHooks, type ShutdownReason } from "./hooks.js";
import { redactorOf, type Logger } from "./logger.js";
import { configSecrets } from "../config/secrets.js";
import { Redactor } from "./redactor.js";

export type KernelState = "loading" | "loaded" | "starting" | "running" | "stopping" | "stopped";

type AnyHook = Hook<any, any>;
type AttributedTap = Tap & { plugin?: string; type: "sync" | "async" | "promise"; fn: (...args: any[]) => any };

/**
 * The microkernel: the hook table, the root DI container and the start/stop lifecycle.
 * It knows plugins, hooks, config and lifecycle, nothing of MCP.
 */
export class Kernel {
  readonly hooks: KernelHooks = createKernelHooks();
  readonly schemas = new SchemaRegistry();
  readonly plugins: PluginRecord[] = [];
  #config?: GatewayConfig;
  #state: KernelState = "loading";
  #stopping?: Promise<void>;
  #markStopped!: (reason: ShutdownReason) => void;
  /** Settles once the kernel has stopped, whoever asked (a signal, the end of stdin, an embedding program). */
  readonly stopped = new Promise<ShutdownReason>((resolve) => (this.#markStopped = resolve));
  /** The plugin whose apply is running; taps made meanwhile are attributed to it. */
  #applying?: string;
  #lifoOrder = 0;

  constructor(
    readonly container: DependencyContainer,
    readonly logger: Logger,
    readonly mode: GatewayMode,
    /** The gateway's one redactor; by default the one the logger applies to its lines. */
    readonly redactor: Redactor = redactorOf(logger) ?? new Redactor(),
  ) {
    container.register(coreTokens.kernel, { useValue: this });
    container.register(coreTokens.logger, { useValue: logger });
    container.register(coreTokens.redactor, { useValue: redactor });
    for (const [name, hook] of Object.entries(this.hooks)) {
      if (name === "runtime") {
        this.hooks.runtime.intercept({
          factory: (_key, created) => this.#instrument(created as any, "runtime", false),
        });
      } else {
        this.#instrument(hook as AnyHook, name, name === "shutdown" || name === "beforeShutdown");
      }
    }
  }

  get state(): KernelState {
    return this.#state;
  }

  get config(): GatewayConfig {
    if (!this.#config)
      throw new GatewayError(
        "MCPGW_ERR_LIFECYCLE",
        "The config is read before it was loaded; read it in configLoaded or later",
      );
    return this.#config;
  }

  /** Called by the loader once validation passed, and by hot reload with a newer config. */
  setConfig(config: GatewayConfig): void {
    this.redactor.add(configSecrets(config));
    // Registered once, as the config in force: tsyringe keeps every registration of a token, so a
    // value registered per reload would keep every old config alive.
    if (this.#config === undefined) this.container.register(coreTokens.config, { useFactory: () => this.config });
    this.#config = config;
    if (this.#state === "loading") this.#state = "loaded";
  }

  /** Runs `apply` with every tap it makes attributed to `plugin`. */
  async withPlugin<T>(plugin: string, run: () => T | Promise<T>): Promise<T> {
    const previous = this.#applying;
    this.#applying = plugin;
    try {
      return await run();
    } finally {
      this.#applying = previous;
    }
  }

  async start(): Promise<void> {
    if (this.#state !== "loaded")
      throw new GatewayError("MCPGW_ERR_LIFECYCLE", `Cannot start a kernel that is ${this.#state}`);
    this.#state = "starting";
    await this.hooks.beforeStart.promise();
    await this.hooks.listen.promise();
    this.#state = "running";
    try {
      await this.hooks.started.promise();
    } catch (error) {
      this.logger.error({ err: error }, `A started hook failed: ${errorMessage(error)}`);
    }
  }

  /** Drains and releases everything, last plugin first; calling it again waits for the same stop. */
  stop(reason: ShutdownReason = { kind: "requested" }): Promise<void> {
    this.#stopping ??= this.#stop(reason);
    return this.#stopping;
  }

  async #stop(reason: ShutdownReason): Promise<void> {
    this.#state = "stopping";
    try {
      await this.hooks.beforeShutdown.promise(reason);
    } finally {
      try {
        await this.hooks.shutdown.promise(reason);
      } finally {
        try {
          await this.container.dispose();
        } finally {
          this.#state = "stopped";
          this.#markStopped(reason);
        }
      }
    }
  }

  /**
   * Attributes every tap to its plugin, wraps what it throws with the plugin and hook names,
   * and (for shutdown hooks) gives taps without a stage a decreasing one, so the last registered runs first.
   */
  #instrument<H extends AnyHook>(hook: H, hookName: string, lifo: boolean): H {
    hook.intercept({
      register: (tap: any) => {
        const attributed = tap as AttributedTap;
        const plugin = this.#applying ?? attributed.name;
        const stage = lifo && tap.stage === undefined ? -++this.#lifoOrder : tap.stage;
        return { ...attributed, plugin, stage, fn: wrapTap(attributed, plugin, hookName) };
      },
    });
    return hook;
  }
}

function wrapTap(tap: AttributedTap, plugin: string, hook: string): (...args: any[]) => any {
  const wrap = (error: unknown): unknown =>
    error instanceof GatewayError
      ? error
      : new GatewayError(
          "MCPGW_ERR_PLUGIN_HOOK",
          `Plugin '${plugin}' failed in hook '${hook}': ${errorMessage(error)}`,
          { plugin, hook },
          { cause: error },
        );
  const fn = tap.fn;
  switch (tap.type) {
    case "promise":
      return async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (error) {
          throw wrap(error);
        }
      };
    case "async":
      return (...args: unknown[]) => {
        const callback = args.pop() as (error?: unknown, result?: unknown) => void;
        try {
          fn(...args, (error?: unknown, result?: unknown) => callback(error ? wrap(error) : error, result));
        } catch (error) {
          callback(wrap(error));
        }
      };
    default:
      return (...args: unknown[]) => {
        try {
          return fn(...args);
        } catch (error) {
          throw wrap(error);
        }
      };
  }
}
