import {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  HookMap,
  SyncHook,
} from "tapable";
import type { ConfigIssue, GatewayConfig, ServerDefinition } from "../config/model.js";
import type { BackendRuntime, RuntimeContext } from "../runtime/types.js";

/**
 * Stage numbers order taps on one hook (lower runs first), as webpack's PROCESS_ASSETS_STAGE_*.
 * Taps without a stage run at DEFAULT in registration order.
 */
export const Stage = {
  FIRST: -10_000,
  AUTHENTICATE: -200,
  AUTHORIZE: -100,
  DEFAULT: 0,
  ROUTE: 100,
  OBSERVE: 1_000,
  LAST: 10_000,
} as const;

/** How the gateway was started: `serve` (HTTP), `stdio`, or `inspect` (validate/plugins/servers: nothing starts). */
export type GatewayMode = "serve" | "stdio" | "inspect";

export interface ConfigEnv {
  readonly mode: GatewayMode;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Lets a plugin add its own findings to validation, with the file and line of the key. */
export interface ConfigReport {
  error(path: readonly PropertyKey[], message: string): void;
  warn(path: readonly PropertyKey[], message: string): void;
  readonly issues: readonly ConfigIssue[];
}

export interface ShutdownReason {
  readonly kind: "signal" | "stdin-closed" | "requested" | "error";
  readonly signal?: NodeJS.Signals;
}

/** The transport-neutral view of an inbound call that authenticators judge. */
export interface InboundRequest {
  readonly transport: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly remoteAddress?: string;
}

/** Who makes a request: `anonymous` when no authenticator is registered, `stdio` for the local stdio client. */
export interface Principal {
  /** A name safe to log: a key's configured name, never the key itself. */
  readonly id: string;
  readonly scopes: readonly string[];
  /**
   * The servers this principal may see and call: ids and `tag:<tag>` selectors. Undefined: every
   * server. The MCP core and the HTTP frontend enforce it on every route and transport.
   */
  readonly servers?: readonly string[];
}

/** `backoff`: the last start failed, calls fail fast until a retry is due; `failed`: the same after five failures in a row. */
export type ServerStatus = "stopped" | "starting" | "running" | "unhealthy" | "stopping" | "backoff" | "failed";

export interface ServerStateChange {
  readonly server: string;
  /** Set for the per-session instances of an `isolation: session` server. */
  readonly session?: string;
  readonly from: ServerStatus;
  readonly to: ServerStatus;
  readonly at: Date;
  readonly error?: Error;
  /** Why the gateway stops a backend (with `to: "stopping"`): `idle`, `requested`, `unhealthy`, `shutdown`, `removed`. */
  readonly reason?: string;
}

/** What one reload attempt did: the counts of the original's `/admin/reload` answer, or why it was refused. */
export interface ReloadOutcome {
  readonly at: Date;
  /** `watch` (a file changed), `signal` (SIGHUP), `admin` (POST /admin/reload or `mcpgw reload`). */
  readonly trigger: "watch" | "signal" | "admin";
  /** Set when the new config was refused; the running one stays in force. */
  readonly error?: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly modified: readonly string[];
  readonly unchanged: readonly string[];
  /** Settings that changed but only take effect after a restart (listen address, the plugin list). */
  readonly restartRequired: readonly string[];
}

/**
 * Whether any plugin tapped `hook`. tapable's own isUsed() also counts interceptors, and the
 * kernel intercepts every hook, so it is always true.
 */
export function isTapped(hook: { readonly taps: readonly unknown[] }): boolean {
  return hook.taps.length > 0;
}

/** Every extension point of the kernel, declared in this one place. */
export function createKernelHooks() {
  return Object.freeze({
    /** After every plugin's apply ran: wiring that needs all plugins present. */
    initialize: new SyncHook<[]>([], "initialize"),
    /** The raw config (env already substituted) before validation; a tap may return a changed copy. */
    config: new AsyncSeriesWaterfallHook<[Record<string, unknown>, ConfigEnv]>(["config", "env"], "config"),
    /** Cross-key checks a schema cannot express; report problems, do not throw. */
    validate: new SyncHook<[GatewayConfig, ConfigReport]>(["config", "report"], "validate"),
    /** The validated config; read-only from here on. */
    configLoaded: new AsyncSeriesHook<[GatewayConfig]>(["config"], "configLoaded"),
    /** Keyed by `runtime.type`: the first tap that returns a backend wins. */
    runtime: new HookMap(
      () =>
        new AsyncSeriesBailHook<[ServerDefinition, RuntimeContext], BackendRuntime | undefined>(
          ["server", "context"],
          "runtime",
        ),
    ),
    /** Before anything listens: warm caches, open stores. */
    beforeStart: new AsyncSeriesHook<[]>([], "beforeStart"),
    /** Frontends bind their sockets or streams. */
    listen: new AsyncSeriesHook<[]>([], "listen"),
    /** Everything is up. Errors here are logged, not fatal. */
    started: new AsyncParallelHook<[]>([], "started"),
    /** A server changed state (supervisor). */
    serverStateChanged: new SyncHook<[ServerStateChange]>(["change"], "serverStateChanged"),
    /** A new config replaced the old one while running (hot reload, /admin/reload). */
    configChanged: new AsyncSeriesHook<[GatewayConfig, GatewayConfig]>(["next", "previous"], "configChanged"),
    /** After every reload attempt, applied or refused (stats counts them, `last_reload_error`). */
    reloaded: new SyncHook<[ReloadOutcome]>(["outcome"], "reloaded"),
    /** Stop accepting work and drain (LIFO: frontends applied last close first). */
    beforeShutdown: new AsyncSeriesHook<[ShutdownReason]>(["reason"], "beforeShutdown"),
    /** Release resources (LIFO). */
    shutdown: new AsyncSeriesHook<[ShutdownReason]>(["reason"], "shutdown"),
    /** A fatal error at boot or while running. */
    failed: new SyncHook<[Error]>(["error"], "failed"),
  });
}

export type KernelHooks = ReturnType<typeof createKernelHooks>;
