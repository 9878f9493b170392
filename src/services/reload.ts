import type { ConfigIssue, GatewayConfig, ServerDefinition } from "../config/model.js";
import type { ReloadOutcome } from "../kernel/hooks.js";

export type ReloadTrigger = ReloadOutcome["trigger"];

/** How a changed server whose backend runs takes its new definition: `restart` once its calls finish, or `keep` the old one until it is next started. */
export type ReloadStrategy = "restart" | "keep";

export interface ReloadRequest {
  readonly trigger: ReloadTrigger;
  /** Per changed server; `restart` when not given. */
  readonly strategy?: (server: ServerDefinition, config: GatewayConfig) => ReloadStrategy;
}

/** One attempt's outcome, as the `reloaded` hook carries it, plus what an answer to the operator needs. */
export interface ReloadResult extends ReloadOutcome {
  /** Servers in the config in force after the attempt (the running one's when it was refused). */
  readonly serversLoaded: number;
  /** Why a config was refused, each problem with its file, key path and line. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * Re-reads the config as startup does (file, catalog, `${VAR}` from the environment as it is now,
 * every plugin's validation) and swaps it in, or keeps the running one and says why. Attempts run
 * one at a time. `gatewayTokens.reloader`, from `beforeStart` on, in `serve` and `stdio` modes.
 */
export interface ConfigReloader {
  reload(request: ReloadRequest): Promise<ReloadResult>;
  /** The config file and catalog in force, plus the files plugins declared: what a watcher watches. */
  files(): readonly string[];
  /** Files besides the config and catalog whose change calls for a reload (a key file); `owner`'s list replaces its last one. */
  watchFiles(owner: string, files: readonly string[]): void;
}
