import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

/**
 * Keep-alive pools shared by every remote server, as Node's global `fetch` pool was. Idle sockets
 * are unref'd by the agent, so they never hold the process open.
 */
const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** How a keep-alive connection the server closed while it sat in the pool fails when it is reused. */
const STALE_SOCKET_ERRORS = new Set(["ECONNRESET", "EPIPE"]);

/** Statuses whose responses have no body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the SDK's Streamable HTTP client transport, on `node:http`: for every call the
 * transport POSTs and reads a short answer, and undici's `fetch` spends several times the CPU of
 * `http.request` on that (request and header objects, its own stream plumbing). It does what the
 * transport needs and no more: it never follows a redirect (the transport asks for `redirect:
 * 'manual'` and follows within the origin itself), and fails as `fetch` does: a `TypeError('fetch
 * failed')` whose cause is the network error, or the signal's reason once it is aborted.
 */
export function nodeFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input);
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const method = (init.method ?? "GET").toUpperCase();
  const headers = plainHeaders(init.headers);
  const body = bodyBytes(init.body, headers);
  if (body !== undefined) headers["content-length"] = String(body.byteLength);
  return new Promise((resolve, reject) => {
    const send = (retried: boolean) => {
      const request = (url.protocol === "https:" ? https : http).request(url, { method, headers, agent, signal });
      request.once("error", (error: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(signal.reason);
        // A pooled connection the server closed as it was reused never carried the request: send it once more.
        if (request.reusedSocket && !retried && STALE_SOCKET_ERRORS.has(error.code ?? "")) return send(true);
        reject(new TypeError("fetch failed", { cause: error }));
      });
      request.once("response", (incoming) => resolve(toResponse(incoming, method)));
      request.end(body);
    };
    send(false);
  });
}

function plainHeaders(init: RequestInit["headers"]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of init instanceof Headers ? init : new Headers(init)) headers[name] = value;
  return headers;
}

function bodyBytes(body: RequestInit["body"], headers: Record<string, string>): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) {
    headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
    return Buffer.from(body.toString());
  }
  throw new TypeError("fetch failed: this fetch sends only string, byte and form bodies");
}

function toResponse(incoming: http.IncomingMessage, method: string): Response {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = incoming.statusCode ?? 0;
  // An empty answer (a 202 for a notification) gets no body, so the transport's `body?.cancel()` leaves the socket to the pool.
  const empty = NULL_BODY_STATUSES.has(status) || method === "HEAD" || incoming.headers["content-length"] === "0";
  if (empty) incoming.resume();
  const body = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: incoming.statusMessage, headers });
}
