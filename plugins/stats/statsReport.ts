import type { GatewayMetrics, OutcomeClass, ServerSnapshot, ServerSupervisor } from "open-mcp-gateway";
import type { Collector, ServerStats } from "./Collector.js";

const seconds = (ms: number) => Math.floor(ms / 1000);
const iso = (date: Date | undefined) => date?.toISOString() ?? null;

/**
 * `GET /stats`: the original gateway's fields (uptime_seconds, total_requests, active_servers,
 * total_servers, last_reload, servers.{id}.{status, request_count, error_count, uptime_seconds,
 * last_activity}), then what this gateway adds. Servers removed by a reload keep their counts,
 * with status `removed`. Sections other plugins add come last (a name the report already has stays its own).
 */
export function statsReport(
  collector: Collector,
  supervisor: ServerSupervisor,
  plugins: GatewayMetrics,
  now = Date.now(),
) {
  const snapshots = new Map(supervisor.list().map((snapshot) => [snapshot.id, snapshot]));
  const ids = [...snapshots.keys(), ...[...collector.servers.keys()].filter((id) => !snapshots.has(id))];
  const servers = Object.fromEntries(
    ids.map((id) => [id, serverReport(collector.servers.get(id), snapshots.get(id), now)]),
  );
  const all = [...snapshots.values()];
  const report = {
    uptime_seconds: seconds(now - collector.startedAt),
    total_requests: collector.total,
    active_servers: all.filter((snapshot) => snapshot.status === "running").length,
    total_servers: all.length,
    last_reload: iso(collector.reloads.lastReload),
    last_reload_error: collector.reloads.lastError
      ? { at: collector.reloads.lastError.at.toISOString(), message: collector.reloads.lastError.message }
      : null,
    reloads: { total: collector.reloads.total, failed: collector.reloads.failed },
    in_flight: all.reduce((sum, snapshot) => sum + snapshot.in_flight, 0),
    queued: all.reduce((sum, snapshot) => sum + snapshot.queued, 0),
    outcomes: counts(collector.byClass),
    principals: Object.fromEntries(
      [...collector.principals].map(([id, stats]) => [
        id,
        { request_count: stats.requests, refused_count: stats.refused, outcomes: counts(stats.byOutcome) },
      ]),
    ),
    sessions: Object.fromEntries(collector.sessions),
    servers,
  };
  const sections = [...plugins.sections()].filter(([name]) => !(name in report));
  return { ...report, ...Object.fromEntries(sections.map(([name, section]) => [name, section()])) };
}

function serverReport(stats: ServerStats | undefined, snapshot: ServerSnapshot | undefined, now: number) {
  const running = snapshot?.status === "running" || snapshot?.status === "unhealthy";
  const startedAt = snapshot?.started_at ? Date.parse(snapshot.started_at) : undefined;
  const latency = stats?.latency.percentiles() ?? { p50: null, p95: null, p99: null };
  return {
    status: snapshot?.status ?? "removed",
    request_count: stats?.requests ?? 0,
    error_count: stats?.errors ?? 0,
    uptime_seconds: running && startedAt !== undefined ? seconds(now - startedAt) : null,
    last_activity: iso(stats?.lastActivity),
    latency_ms: latency,
    in_flight: snapshot?.in_flight ?? 0,
    queued: snapshot?.queued ?? 0,
    outcomes: counts(stats?.byClass),
    starts: stats?.starts ?? 0,
    restarts: stats?.restarts ?? 0,
    start_failures: stats?.startFailures ?? 0,
    crashes: stats?.crashes ?? 0,
    idle_stops: stats?.idleStops ?? 0,
    running_seconds: seconds(stats?.runningMs(now) ?? 0),
    last_start_ms: stats?.lastStartMs ?? null,
    tools: Object.fromEntries(
      [...(stats?.tools ?? [])].map(([tool, c]) => [tool, { request_count: c.requests, error_count: c.errors }]),
    ),
    ...(snapshot?.last_error !== undefined && { last_error: snapshot.last_error }),
  };
}

function counts(map: Map<OutcomeClass, number> | undefined): Record<string, number> {
  return Object.fromEntries(map ?? []);
}
