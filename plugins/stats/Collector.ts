import {
  Histogram,
  outcomeClass,
  REFUSALS,
  SERVER_ERRORS,
  type McpRequest,
  type OutcomeClass,
  type ReloadOutcome,
  type RequestOutcome,
  type ServerStateChange,
  type SessionInfo,
} from "open-mcp-gateway";
import { LabelFold } from "./LabelFold.js";
import { LatencyWindow } from "./Latency.js";
import type { StatsOptions } from "./options.js";

/** The methods that keep their own `method` label; any other (a vendor method a client made up) is `other`. */
const KNOWN_METHODS = new Set([
  "tools/call",
  "tools/list",
  "prompts/get",
  "prompts/list",
  "resources/read",
  "resources/list",
  "resources/templates/list",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
]);

const RUNNING = new Set(["running", "unhealthy"]);

export interface CallCounts {
  requests: number;
  errors: number;
}

/** What is kept of one server id, across its stops, starts and reloads. */
export class ServerStats {
  requests = 0;
  errors = 0;
  readonly byClass = new Map<OutcomeClass, number>();
  readonly latency = new LatencyWindow();
  lastActivity?: Date;
  /** Per tool label (folded): requests and errors. */
  readonly tools = new Map<string, CallCounts>();
  starts = 0;
  restarts = 0;
  startFailures = 0;
  crashes = 0;
  idleStops = 0;
  /** Time its instances ran, summed, up to their last stop (`runningMs()` adds the running ones). */
  ranMs = 0;
  lastStartMs?: number;
  /** Per instance key (`""` shared, else the session): since when it runs, since when it starts. */
  readonly runningSince = new Map<string, number>();
  readonly startingSince = new Map<string, number>();
  readonly everRan = new Set<string>();

  runningMs(now = Date.now()): number {
    let total = this.ranMs;
    for (const since of this.runningSince.values()) total += now - since;
    return total;
  }
}

/** One series of `mcpgw_requests_total` and `mcpgw_request_duration_seconds`. */
export interface RequestSeries {
  readonly server: string;
  readonly method: string;
  readonly tool: string;
  readonly byOutcome: Map<OutcomeClass, number>;
  readonly duration: Histogram;
}

export interface PrincipalStats {
  requests: number;
  refused: number;
  readonly byOutcome: Map<OutcomeClass, number>;
}

export interface SessionStats {
  open: number;
  total: number;
}

export interface ReloadStats {
  total: number;
  failed: number;
  lastReload?: Date;
  lastError?: { readonly at: Date; readonly message: string };
}

/**
 * Everything the stats plugin counts, fed by the request pipeline's observers and the kernel's
 * lifecycle hooks. Plain maps and numbers: the request path pays a few map lookups, and
 * prom-client is only loaded when /metrics is first scraped.
 */
export class Collector {
  readonly startedAt = Date.now();
  total = 0;
  readonly byClass = new Map<OutcomeClass, number>();
  readonly servers = new Map<string, ServerStats>();
  readonly series = new Map<string, RequestSeries>();
  readonly principals = new Map<string, PrincipalStats>();
  readonly sessions = new Map<string, SessionStats>();
  readonly reloads: ReloadStats = { total: 0, failed: 0 };
  readonly #tools: LabelFold;
  readonly #principals: LabelFold;

  constructor(options: StatsOptions) {
    this.#tools = new LabelFold(options.max_tool_labels);
    this.#principals = new LabelFold(options.max_principal_labels);
  }

  server(id: string): ServerStats {
    let stats = this.servers.get(id);
    if (!stats) this.servers.set(id, (stats = new ServerStats()));
    return stats;
  }

  outcome(request: McpRequest, outcome: RequestOutcome): void {
    const kind = outcomeClass(request, outcome);
    this.total += 1;
    bump(this.byClass, kind);
    const server = request.server ?? "";
    const method = KNOWN_METHODS.has(request.method) ? request.method : "other";
    // Only the names a server was asked for: refused and unknown names are the client's words, not tools.
    const named = request.server !== undefined && request.name !== undefined && kind !== "auth";
    const tool = named && (method === "tools/call" || method === "prompts/get") ? this.#tools.label(request.name!) : "";
    const key = `${server}\u0000${method}\u0000${tool}`;
    let series = this.series.get(key);
    if (!series)
      this.series.set(key, (series = { server, method, tool, byOutcome: new Map(), duration: new Histogram() }));
    bump(series.byOutcome, kind);
    series.duration.observe(outcome.durationMs / 1000);

    const principal = this.#principals.label(request.principal.id);
    let who = this.principals.get(principal);
    if (!who) this.principals.set(principal, (who = { requests: 0, refused: 0, byOutcome: new Map() }));
    who.requests += 1;
    if (REFUSALS.has(kind)) who.refused += 1;
    bump(who.byOutcome, kind);

    // A refused request never reached its server: it is the principal's count, not the server's.
    if (request.server === undefined || REFUSALS.has(kind)) return;
    const stats = this.server(request.server);
    const failed = SERVER_ERRORS.has(kind);
    stats.requests += 1;
    if (failed) stats.errors += 1;
    bump(stats.byClass, kind);
    stats.latency.add(outcome.durationMs);
    stats.lastActivity = new Date(request.receivedAt + outcome.durationMs);
    if (tool) {
      const counts = stats.tools.get(tool) ?? { requests: 0, errors: 0 };
      counts.requests += 1;
      if (failed) counts.errors += 1;
      stats.tools.set(tool, counts);
    }
  }

  sessionOpened(session: SessionInfo): void {
    const stats = this.#session(session.transport);
    stats.open += 1;
    stats.total += 1;
  }

  sessionClosed(session: SessionInfo): void {
    const stats = this.#session(session.transport);
    stats.open = Math.max(0, stats.open - 1);
  }

  stateChanged(change: ServerStateChange): void {
    const stats = this.server(change.server);
    const key = change.session ?? "";
    const at = change.at.getTime();
    if (change.to === "starting") stats.startingSince.set(key, at);
    if (change.from === "starting") {
      const since = stats.startingSince.get(key);
      stats.startingSince.delete(key);
      if (RUNNING.has(change.to)) {
        stats.starts += 1;
        if (stats.everRan.has(key)) stats.restarts += 1;
        stats.everRan.add(key);
        if (since !== undefined) stats.lastStartMs = at - since;
      } else if (change.error) stats.startFailures += 1;
    }
    if (RUNNING.has(change.to) && !stats.runningSince.has(key)) stats.runningSince.set(key, at);
    if (RUNNING.has(change.from) && !RUNNING.has(change.to)) {
      const since = stats.runningSince.get(key);
      stats.runningSince.delete(key);
      if (since !== undefined) stats.ranMs += at - since;
      if (change.to === "stopping" && change.reason === "idle") stats.idleStops += 1;
      else if (change.to !== "stopping") stats.crashes += 1;
    }
  }

  reloaded(outcome: ReloadOutcome): void {
    this.reloads.total += 1;
    if (outcome.error !== undefined) {
      this.reloads.failed += 1;
      this.reloads.lastError = { at: outcome.at, message: outcome.error };
    } else {
      this.reloads.lastReload = outcome.at;
    }
  }

  #session(transport: string): SessionStats {
    let stats = this.sessions.get(transport);
    if (!stats) this.sessions.set(transport, (stats = { open: 0, total: 0 }));
    return stats;
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
