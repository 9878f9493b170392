import type { GatewayMetrics, Histogram, MetricFamily, OutcomeClass, ServerSupervisor } from "open-mcp-gateway";
import type { Registry } from "prom-client";
import type { Collector, ServerStats } from "./Collector.js";

type Labels = Readonly<Record<string, string | number>>;
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

  constructor(
    collector: Collector,
    supervisor: ServerSupervisor,
    private readonly plugins: GatewayMetrics,
  ) {
    this.#registry = import("prom-client").then((module) => {
      // CommonJS: Node gives its exports as named ones, the bundle (dist/bundle) only as the default export.
      const { Registry, collectDefaultMetrics } = (module.default as typeof module.default | undefined) ?? module;
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
    const registry = await this.#registry;
    // Plugins may add families at any time (a reload): each is registered at the first scrape that sees it,
    // read by name at every scrape. A name the gateway's own metrics hold stays theirs.
    for (const family of this.plugins.families())
      if (!registry.getSingleMetric(family.name)) registry.registerMetric(pluginMetric(this.plugins, family) as never);
    return registry.metrics();
  }
}

/** A plugin's family as prom-client reads it: looked up again at each scrape, so a replaced family is the one shown. */
function pluginMetric(plugins: GatewayMetrics, { name, help, type }: MetricFamily): CollectedMetric {
  return metric(name, type, help, function* () {
    const family = [...plugins.families()].find((candidate) => candidate.name === name);
    if (family?.type === "histogram")
      for (const { labels, histogram } of family.samples()) yield* histogramSamples(name, labels ?? {}, histogram);
    else if (family) for (const { labels, value } of family.samples()) yield { value, labels: labels ?? {} };
  });
}

/** The `_bucket` (cumulative, then `+Inf`), `_sum` and `_count` series of one histogram. */
function* histogramSamples(name: string, labels: Labels, histogram: Histogram): Iterable<Sample> {
  let cumulative = 0;
  for (const [index, bound] of histogram.bounds.entries()) {
    cumulative += histogram.counts[index]!;
    yield { metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le: String(bound) } };
  }
  yield { metricName: `${name}_bucket`, value: histogram.count, labels: { ...labels, le: "+Inf" } };
  yield { metricName: `${name}_sum`, value: histogram.sum, labels };
  yield { metricName: `${name}_count`, value: histogram.count, labels };
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
        for (const s of collector.series.values())
          yield* histogramSamples(
            "mcpgw_request_duration_seconds",
            { server: s.server, method: s.method, tool: s.tool },
            s.duration,
          );
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
