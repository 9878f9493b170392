import { GatewayError } from "../kernel/errors.js";

/** Bucket bounds in seconds for an MCP call: milliseconds (a cached list) to minutes (a slow tool). */
export const CALL_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** A histogram's counts, as Prometheus exposes them: one count per bound (not cumulative), plus the total and sum. */
export class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(readonly bounds: readonly number[] = CALL_BUCKETS_SECONDS) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.count += 1;
    this.sum += value;
    // Non-cumulative here; the exposition sums them up (one increment per observation).
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index]! += 1;
  }
}

export type MetricLabels = Readonly<Record<string, string>>;

/** A counter's or gauge's value for one set of labels. */
export interface MetricSample {
  readonly labels?: MetricLabels;
  readonly value: number;
}

/** A histogram for one set of labels. */
export interface HistogramSample {
  readonly labels?: MetricLabels;
  readonly histogram: Histogram;
}

/** One Prometheus metric a plugin adds to `GET /metrics`; its samples are read at every scrape. */
export type MetricFamily =
  | {
      readonly name: string;
      readonly help: string;
      readonly type: "counter" | "gauge";
      samples(): Iterable<MetricSample>;
    }
  | {
      readonly name: string;
      readonly help: string;
      readonly type: "histogram";
      samples(): Iterable<HistogramSample>;
    };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * What plugins count, for whoever shows it (the stats plugin: `GET /metrics` and `GET /stats`).
 * A plugin adds its metric families and a `/stats` section; both are read when asked, so a plugin
 * keeps plain numbers and pays nothing per request. Adding a name again replaces the earlier one
 * (a plugin that sets up again on reload).
 */
export class GatewayMetrics {
  readonly #families = new Map<string, MetricFamily>();
  readonly #sections = new Map<string, () => unknown>();

  /** A Prometheus metric family; name it `mcpgw_<plugin>_...`. */
  add(family: MetricFamily): void {
    if (!METRIC_NAME.test(family.name))
      throw new GatewayError("MCPGW_ERR_PLUGIN_INVALID", `'${family.name}' is not a Prometheus metric name`);
    this.#families.set(family.name, family);
  }

  /** A top-level field of `GET /stats`, named after the plugin; `report` gives its JSON at each request. */
  section(name: string, report: () => unknown): void {
    this.#sections.set(name, report);
  }

  families(): Iterable<MetricFamily> {
    return this.#families.values();
  }

  sections(): Iterable<[string, () => unknown]> {
    return this.#sections.entries();
  }
}
