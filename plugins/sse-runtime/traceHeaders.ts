/** The W3C trace context fields a message may carry in `params._meta` (the tracing plugin puts them there). */
const FIELDS = ["traceparent", "tracestate"] as const;

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch`, plus the W3C `traceparent` / `tracestate` headers of the JSON-RPC message it posts, taken
 * from the message's `params._meta`: an HTTP backend (or a proxy in front of it) joins the gateway's
 * trace whether it reads MCP's `_meta` or only the headers. Bodies without them pass untouched.
 */
export function withTraceHeaders(fetch: Fetch): Fetch {
  return async (url, init) => {
    const body = init?.body;
    if (typeof body !== "string" || !body.includes('"traceparent"')) return fetch(url, init);
    const meta = metaOf(body);
    if (!meta) return fetch(url, init);
    const headers = new Headers(init!.headers);
    for (const field of FIELDS) if (typeof meta[field] === "string") headers.set(field, meta[field]);
    return fetch(url, { ...init, headers });
  };
}

function metaOf(body: string): Record<string, unknown> | undefined {
  try {
    const message = JSON.parse(body) as { params?: { _meta?: Record<string, unknown> } };
    return message?.params?._meta;
  } catch {
    return undefined;
  }
}
