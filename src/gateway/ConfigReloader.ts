import { formatIssue } from "../config/issues.js";
import type { ConfigIssue, GatewayConfig } from "../config/model.js";
import { errorMessage } from "../kernel/errors.js";
import type { ReloadOutcome } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { LoadedGateway } from "../kernel/loadKernel.js";
import type { ConfigReloader, ReloadRequest, ReloadResult } from "../services/reload.js";
import { backendDefinition, canonicalJson, definitionHash } from "../supervisor/definitionHash.js";
import type { Supervisor } from "../supervisor/Supervisor.js";

/**
 * Settings read once at start: a reload that changes them applies everything else and says a
 * restart is needed for these (they keep their running value meanwhile, so readers are not misled).
 */
const RESTART_SETTINGS = ["listen_addr", "state_dir", "log_level", "cors_enabled", "cors_origins", "allowed_hosts"];

/**
 * The reload pipeline: the config is read again by the same loader as at startup (into a
 * throw-away kernel in `inspect` mode, so every plugin validates it and nothing starts), then
 * swapped in at once: the supervisor takes the servers, plugins follow on `configChanged`, and
 * every attempt, applied or refused, ends with `reloaded`.
 */
export class GatewayReloader implements ConfigReloader {
  #queue: Promise<unknown> = Promise.resolve();
  readonly #extraFiles = new Map<string, readonly string[]>();

  constructor(
    private readonly kernel: Kernel,
    private readonly supervisor: Supervisor,
    /** Loads the config as startup did (same file, overrides and plugin options). */
    private readonly load: () => Promise<LoadedGateway>,
  ) {}

  files(): readonly string[] {
    const config = this.kernel.config;
    const files = [config.source.filepath, config.catalog?.filepath, ...[...this.#extraFiles.values()].flat()];
    return [...new Set(files.filter((file): file is string => file !== undefined))];
  }

  watchFiles(owner: string, files: readonly string[]): void {
    this.#extraFiles.set(owner, files);
  }

  reload(request: ReloadRequest): Promise<ReloadResult> {
    const attempt = this.#queue.then(() => this.#attempt(request));
    this.#queue = attempt.catch(() => undefined);
    return attempt;
  }

  async #attempt(request: ReloadRequest): Promise<ReloadResult> {
    const logger = this.kernel.logger;
    const previous = this.kernel.config;
    logger.info(
      { trigger: request.trigger },
      `Reloading config from ${previous.source.filepath ?? previous.source.dir}`,
    );
    let loaded: LoadedGateway | undefined;
    let result: ReloadResult;
    try {
      loaded = await this.load();
      const errors = loaded.issues.filter((issue) => issue.severity === "error");
      result =
        loaded.config && errors.length === 0
          ? await this.#apply(request, previous, loaded.config)
          : this.#refused(request, previous, errors);
    } catch (error) {
      result = this.#refused(request, previous, [{ severity: "error", path: [], message: errorMessage(error) }]);
    } finally {
      await loaded?.kernel?.stop().catch(() => undefined);
    }
    try {
      this.kernel.hooks.reloaded.call(outcomeOf(result));
    } catch (error) {
      logger.error(`A reloaded hook failed: ${errorMessage(error)}`);
    }
    return result;
  }

  #refused(request: ReloadRequest, running: GatewayConfig, issues: readonly ConfigIssue[]): ReloadResult {
    const logger = this.kernel.logger;
    for (const issue of issues) logger.error(formatIssue(issue, running.source.dir));
    const error = issues.map((issue) => formatIssue(issue, running.source.dir)).join("; ");
    logger.warn(`Keeping the running config until a reload succeeds (${issues.length} problem${plural(issues)})`);
    return {
      ...emptyChanges(request),
      error,
      serversLoaded: running.servers.length,
      unchanged: running.servers.map((server) => server.id),
      issues,
    };
  }

  async #apply(request: ReloadRequest, previous: GatewayConfig, loaded: GatewayConfig): Promise<ReloadResult> {
    const restartRequired = settingsNeedingRestart(previous, loaded);
    const next = withRunningSettings(loaded, previous, restartRequired);
    const old = new Map(previous.servers.map((server) => [server.id, server]));
    const after = new Set(next.servers.map((server) => server.id));
    const added: string[] = [];
    const modified: string[] = [];
    const unchanged: string[] = [];
    const restart = new Set<string>();
    for (const server of next.servers) {
      const was = old.get(server.id);
      if (was === undefined) added.push(server.id);
      else if (definitionHash(was) === definitionHash(server)) unchanged.push(server.id);
      else {
        modified.push(server.id);
        // A change that leaves the backend as it was (a tool filter, a name, a timeout) applies without one.
        const backendChanged = backendDefinition(was) !== backendDefinition(server);
        if (backendChanged && (request.strategy?.(server, next) ?? "restart") === "restart") restart.add(server.id);
      }
    }
    const removed = previous.servers.map((server) => server.id).filter((id) => !after.has(id));

    this.kernel.setConfig(next);
    this.supervisor.applyConfig(next, restart);
    let error: string | undefined;
    try {
      await this.kernel.hooks.configChanged.promise(next, previous);
    } catch (failure) {
      error = `Applied, except: ${errorMessage(failure)}`;
      this.kernel.logger.error(error);
    }
    this.kernel.logger.info(
      { added, removed, modified },
      `Loaded ${next.servers.length} servers (added: ${added.length}, removed: ${removed.length}, modified: ${modified.length}, unchanged: ${unchanged.length})`,
    );
    if (restartRequired.length > 0)
      this.kernel.logger.warn(`Config reloaded; restart required for: ${restartRequired.join(", ")}`);
    return {
      at: new Date(),
      trigger: request.trigger,
      ...(error !== undefined && { error }),
      added,
      removed,
      modified,
      unchanged,
      restartRequired,
      serversLoaded: next.servers.length,
      issues: [],
    };
  }
}

function settingsNeedingRestart(previous: GatewayConfig, next: GatewayConfig): string[] {
  const changed = RESTART_SETTINGS.filter(
    (key) => canonicalJson(previous.settings[key]) !== canonicalJson(next.settings[key]),
  );
  const plugins = (config: GatewayConfig) =>
    canonicalJson([
      config.preset,
      config.plugins.map(({ specifier, enabled, options }) => ({ specifier, enabled, options })),
    ]);
  if (plugins(previous) !== plugins(next)) changed.push("plugins");
  return changed;
}

/** The new config, except for what needs a restart: that keeps the value the gateway runs with. */
function withRunningSettings(next: GatewayConfig, running: GatewayConfig, restartRequired: string[]): GatewayConfig {
  if (restartRequired.length === 0) return next;
  const settings: Record<string, unknown> = { ...next.settings };
  for (const key of restartRequired) if (key !== "plugins") settings[key] = running.settings[key];
  return {
    ...next,
    settings: settings as GatewayConfig["settings"],
    ...(restartRequired.includes("plugins") && { preset: running.preset, plugins: running.plugins }),
  };
}

function emptyChanges(request: ReloadRequest): Omit<ReloadOutcome, "error"> {
  return {
    at: new Date(),
    trigger: request.trigger,
    added: [],
    removed: [],
    modified: [],
    unchanged: [],
    restartRequired: [],
  };
}

function outcomeOf(result: ReloadResult): ReloadOutcome {
  const { serversLoaded: _loaded, issues: _issues, ...outcome } = result;
  return outcome;
}

function plural(items: readonly unknown[]): string {
  return items.length === 1 ? "" : "s";
}
