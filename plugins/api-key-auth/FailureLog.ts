import type { InboundRequest, Logger } from "open-mcp-gateway";

/** One line per client address and reason per window: a client retrying in a loop (or an attack) cannot flood the log. */
const WINDOW_MS = 10_000;
/** Addresses remembered at most; past it, expired windows are dropped. */
const MAX_ADDRESSES = 10_000;

export type FailureReason = "missing" | "invalid";

/**
 * Failed authentication attempts, logged without the key (or any part of it): the method, path,
 * client address and reason, at most once per window per address and reason, with the number
 * of attempts folded into the line since the previous one.
 */
export class FailureLog {
  readonly #windows = new Map<string, { until: number; folded: number }>();

  constructor(private readonly logger: Logger) {}

  record(reason: FailureReason, request: InboundRequest): void {
    const address = request.remoteAddress ?? "unknown";
    const key = `${reason} ${address}`;
    const now = Date.now();
    const window = this.#windows.get(key);
    if (window && now < window.until) {
      window.folded++;
      return;
    }
    if (this.#windows.size >= MAX_ADDRESSES) this.#prune(now);
    this.#windows.set(key, { until: now + WINDOW_MS, folded: 0 });
    const folded = window?.folded ? ` (and ${window.folded} more from there since the last such line)` : "";
    const what = reason === "missing" ? "no API key" : "an API key that is not configured";
    this.logger[reason === "missing" ? "info" : "warn"](
      { remote_address: address, reason, path: request.path },
      `Refused ${request.method} ${request.path} from ${address}: ${what}${folded}`,
    );
  }

  #prune(now: number): void {
    for (const [key, window] of this.#windows) if (window.until <= now) this.#windows.delete(key);
    if (this.#windows.size >= MAX_ADDRESSES) this.#windows.clear();
  }
}
