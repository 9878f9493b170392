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
    const trace = typeof body === "string" ? traceHeadersOf(body) : undefined;
    if (!trace) return fetch(url, init);
    const headers = new Headers(init!.headers);
    for (const [name, value] of Object.entries(trace)) headers.set(name, value);
    return fetch(url, { ...init, headers });
  };
}

/** The trace headers for a JSON-RPC message posted as `body`, or undefined when its `_meta` has none. */
export function traceHeadersOf(body: string): Record<string, string> | undefined {
  if (!body.includes('"traceparent"')) return undefined;
  const meta = metaOf(body);
  if (!meta) return undefined;
  const headers: Record<string, string> = {};
  for (const field of FIELDS) if (typeof meta[field] === "string") headers[field] = meta[field];
  return headers;
}

function metaOf(body: string): Record<string, unknown> | undefined {
  try {
    const message = JSON.parse(body) as { params?: { _meta?: Record<string, unknown> } };
    return message?.params?._meta;
  } catch {
    return undefined;
  }
}
