/** The label value everything past a LabelFold's limit counts under. */
export const OTHER = "other";

/**
 * Keeps at most `limit` distinct values of one label; later values become `other`. First come,
 * first kept: a value once kept stays its own series, so counters never jump between series.
 */
export class LabelFold {
  readonly #kept = new Set<string>();

  constructor(private readonly limit: number) {}

  label(value: string): string {
    if (this.#kept.has(value)) return value;
    if (this.#kept.size >= this.limit) return OTHER;
    this.#kept.add(value);
    return value;
  }
}
