type RawObject = Record<string, unknown>;

/**
 * How many items one list gathers across a backend's pages before the rest is left out (and logged):
 * far above any real server, low enough that a backend paging forever, or a runaway list, cannot
 * exhaust the gateway's memory. A page with no items still counts as one, so an endless run of
 * empty pages ends too.
 */
export const MAX_LIST_ITEMS = 10_000;

export interface Page {
  readonly items: readonly RawObject[];
  readonly nextCursor?: string;
}

/**
 * Follows a list's cursors from the first page to the last, one page at a time. `truncated` says the
 * bound was reached with pages left: the caller logs it, naming the server.
 */
export async function collectPages(
  fetchPage: (cursor: string | undefined) => Promise<Page>,
): Promise<{ items: RawObject[]; truncated: boolean }> {
  const items: RawObject[] = [];
  let cursor: string | undefined;
  for (let budget = MAX_LIST_ITEMS; ;) {
    const page = await fetchPage(cursor);
    items.push(...page.items.slice(0, budget));
    budget -= Math.max(1, page.items.length);
    cursor = page.nextCursor !== undefined && page.nextCursor !== "" ? page.nextCursor : undefined;
    if (cursor === undefined) return { items, truncated: false };
    if (budget <= 0) return { items, truncated: true };
  }
}

/** A list result's items (under `field`) and its cursor, as a backend sent them. */
export function pageOf(result: RawObject, field: string): Page {
  const items = Array.isArray(result[field]) ? (result[field] as RawObject[]) : [];
  return typeof result.nextCursor === "string" ? { items, nextCursor: result.nextCursor } : { items };
}
