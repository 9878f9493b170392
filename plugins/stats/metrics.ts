import type { OutcomeClass, ServerSupervisor } from "open-mcp-gateway";
import type { Registry } from "prom-client";
import type { Collector, ServerStats } from "./Collector.js";
import { BUCKETS_SECONDS } from "./Latency.js";

type Labels = Record<string, string | number>;
interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

/** What prom-client's Registry asks of a metric: it renders these to the text format. */
interface CollectedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  get(): Promise<{ name: string; help: string; type: string; aggregator: "sum"; values: Sample[] }>;
}

/**
 * The Prometheus view of a Collector. prom-client loads on the first scrape (about 45 ms of module
 * loading that boot does not pay); its registry renders the gateway's metrics, read from the
 * collector at scrape time, beside prom-client's Node process metrics.
 */
export class Metrics {
  readonly #registry: Promise<Registry>;

  constructor(collector: Collector, supervisor: ServerSupervisor) {
    this.#registry = import("prom-client").then(({ Registry, collectDefaultMetrics }) => {
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      for (const metric of definitions(collector, supervisor)) registry.registerMetric(metric as never);
      return registry;
    });
  }

  async contentType(): Promise<string> {
    return (await this.#registry).contentType;
  }

  async text(): Promise<string> {
    return (await this.#registry).metrics();
  }
}

function metric(
  name: string,
  type: CollectedMetric["type"],
  help: string,
  values: () => Iterable<Sample>,
): CollectedMetric {
  return {
    name,
    help,
    type,
    get: async () => ({ name, help, type, aggregator: "sum", values: [...values()] }),
  };
}

function* perServer(collector: Collector, value: (stats: ServerStats) => number | undefined): Iterable<Sample> {
  for (const [server, stats] of collector.servers) {
    const v = value(stats);
    if (v !== undefined) yield { value: v, labels: { server } };
  }
}

function* byOutcome(map: Map<OutcomeClass, number>, labels: Labels): Iterable<Sample> {
  for (const [outcome, value] of map) yield { value, labels: { ...labels, outcome } };
}

function definitions(collector: Collector, supervisor: ServerSupervisor): CollectedMetric[] {
  const snapshots = () => supervisor.list();
  return [
    metric("mcpgw_requests_total", "counter", "MCP requests by server, method, tool and outcome", function* () {
      for (const s of collector.series.values())
        yield* byOutcome(s.byOutcome, { server: s.server, method: s.method, tool: s.tool });
    }),
    metric(
      "mcpgw_request_duration_seconds",
      "histogram",
      "Time from a request's arrival to its answer (or refusal)",
      function* () {
        for (const s of collector.series.values()) {
          const labels = { server: s.server, method: s.method, tool: s.tool };
          let cumulative = 0;
          for (const [index, bound] of BUCKETS_SECONDS.entries()) {
            cumulative += s.duration.counts[index]!;
            yield {
              metricName: "mcpgw_request_duration_seconds_bucket",
              value: cumulative,
              labels: { ...labels, le: String(bound) },
            };
          }
          yield {
            metricName: "mcpgw_request_duration_seconds_bucket",
            value: s.duration.count,
            labels: { ...labels, le: "+Inf" },
          };
          yield { metricName: "mcpgw_request_duration_seconds_sum", value: s.duration.sumSeconds, labels };
          yield { metricName: "mcpgw_request_duration_seconds_count", value: s.duration.count, labels };
        }
      },
    ),
    metric(
      "mcpgw_principal_requests_total",
      "counter",
      "MCP requests by principal (key name) and outcome",
      function* () {
        for (const [principal, stats] of collector.principals) yield* byOutcome(stats.byOutcome, { principal });
      },
    ),
    metric("mcpgw_requests_in_flight", "gauge", "Calls a server is answering now", function* () {
      for (const s of snapshots()) yield { value: s.in_flight, labels: { server: s.id } };
    }),
    metric("mcpgw_queued_calls", "gauge", "Calls waiting for a free slot of a server", function* () {
      for (const s of snapshots()) yield { value: s.queued, labels: { server: s.id } };
    }),
    metric("mcpgw_server_up", "gauge", "1 while a server's backend runs (running or unhealthy), else 0", function* () {
      for (const s of snapshots())
        yield { value: s.status === "running" || s.status === "unhealthy" ? 1 : 0, labels: { server: s.id } };
    }),
    metric("mcpgw_server_starts_total", "counter", "Successful backend starts", () =>
      perServer(collector, (s) => s.starts),
    ),
    metric("mcpgw_server_restarts_total", "counter", "Starts of a backend that had run before", () =>
      perServer(collector, (s) => s.restarts),
    ),
    metric("mcpgw_server_start_failures_total", "counter", "Backend starts that failed", () =>
      perServer(collector, (s) => s.startFailures),
    ),
    metric("mcpgw_server_crashes_total", "counter", "Running backends that exited without being stopped", () =>
      perServer(collector, (s) => s.crashes),
    ),
    metric("mcpgw_server_idle_stops_total", "counter", "Backends stopped after idle_timeout_seconds", () =>
      perServer(collector, (s) => s.idleStops),
    ),
    metric("mcpgw_server_running_seconds_total", "counter", "Time a server's backends ran, summed", () =>
      perServer(collector, (s) => s.runningMs() / 1000),
    ),
    metric("mcpgw_server_last_start_duration_seconds", "gauge", "How long the last successful start took", () =>
      perServer(collector, (s) => (s.lastStartMs === undefined ? undefined : s.lastStartMs / 1000)),
    ),
    metric("mcpgw_sessions_open", "gauge", "Client sessions open now, by transport", function* () {
      for (const [transport, s] of collector.sessions) yield { value: s.open, labels: { transport } };
    }),
    metric("mcpgw_sessions_total", "counter", "Client sessions opened, by transport", function* () {
      for (const [transport, s] of collector.sessions) yield { value: s.total, labels: { transport } };
    }),
    metric("mcpgw_reloads_total", "counter", "Config reload attempts, applied (ok) or refused (error)", function* () {
      const { total, failed } = collector.reloads;
      yield { value: total - failed, labels: { result: "ok" } };
      yield { value: failed, labels: { result: "error" } };
    }),
    metric(
      "mcpgw_last_reload_timestamp_seconds",
      "gauge",
      "When the last reload was applied (Unix time)",
      function* () {
        const at = collector.reloads.lastReload;
        if (at) yield { value: at.getTime() / 1000, labels: {} };
      },
    ),
  ];
}
