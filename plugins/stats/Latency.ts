/** How many recent durations a server keeps for /stats' percentiles. */
const WINDOW = 1024;

/** The latest durations of one server, for exact p50/p95/p99 over a recent window. */
export class LatencyWindow {
  readonly #samples = new Float64Array(WINDOW);
  #size = 0;
  #next = 0;

  add(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % WINDOW;
    if (this.#size < WINDOW) this.#size += 1;
  }

  /** Nearest-rank percentiles in ms; null before the first sample. */
  percentiles(): { p50: number | null; p95: number | null; p99: number | null } {
    if (this.#size === 0) return { p50: null, p95: null, p99: null };
    const sorted = this.#samples.slice(0, this.#size).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}
