import http from "node:http";
import https from "node:https";
import { finished } from "node:stream";
import { urlToHttpOptions } from "node:url";

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
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const method = (init.method ?? "GET").toUpperCase();
  const headers = plainHeaders(init.headers);
  let body: Uint8Array | string | undefined;
  try {
    body = bodyBytes(init.body, headers);
  } catch (error) {
    return Promise.reject(error);
  }
  return sendRequest(url, { method, headers, body, signal }).then((incoming) =>
    method === "POST" && incoming.statusCode === 200 && isEventStream(incoming)
      ? singleAnswer(incoming).then((read) =>
          "answer" in read ? jsonResponse(incoming, read.answer.text) : toResponse(incoming, method, read.prefix),
        )
      : toResponse(incoming, method),
  );
}

export interface OutgoingRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array | string;
  readonly signal?: AbortSignal;
  /** Told of the request once it is made (and of its retry), so its owner can end it. */
  readonly onRequest?: (request: http.ClientRequest) => void;
}

/**
 * One request on the shared keep-alive pool, resolved with the response as it arrives. Fails as
 * `fetch` does: a `TypeError('fetch failed')` whose cause is the network error, or the signal's reason.
 */
export function sendRequest(url: URL, { method, headers, body, signal, onRequest }: OutgoingRequest) {
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  const target = targetOf(url);
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const send = (retried: boolean) => {
      const request = (url.protocol === "https:" ? https : http).request({ ...target, method, headers, agent, signal });
      onRequest?.(request);
      request.once("error", (error: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(signal.reason);
        // A pooled connection the server closed as it was reused never carried the request: send it once more.
        if (request.reusedSocket && !retried && STALE_SOCKET_ERRORS.has(error.code ?? "")) return send(true);
        reject(new TypeError("fetch failed", { cause: error }));
      });
      request.once("response", resolve);
      request.end(body);
    };
    send(false);
  });
}

/** Host, port and path of the URLs a transport posts to over and over, taken apart once. */
const targets = new WeakMap<URL, http.RequestOptions>();

function targetOf(url: URL): http.RequestOptions {
  let target = targets.get(url);
  if (!target) targets.set(url, (target = urlToHttpOptions(url)));
  return target;
}

function plainHeaders(init: RequestInit["headers"]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of init instanceof Headers ? init : new Headers(init)) headers[name] = value;
  return headers;
}

function bodyBytes(body: RequestInit["body"], headers: Record<string, string>): Uint8Array | string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) {
    headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
    return Buffer.from(body.toString());
  }
  throw new TypeError("fetch failed: this fetch sends only string, byte and form bodies");
}

export function toResponse(incoming: http.IncomingMessage, method: string, prefix?: Buffer): Response {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = incoming.statusCode ?? 0;
  // An empty answer (a 202 for a notification) gets no body, so the transport's `body?.cancel()` leaves the socket to the pool.
  const empty = NULL_BODY_STATUSES.has(status) || method === "HEAD" || incoming.headers["content-length"] === "0";
  if (empty) incoming.resume();
  return new Response(empty ? null : webBody(incoming, prefix), {
    status,
    statusText: incoming.statusMessage,
    headers,
  });
}

function webBody(incoming: http.IncomingMessage, prefix: Buffer | undefined): ReadableStream<Uint8Array> {
  // A reader that cancels has closed the stream: the response's own end then has nothing left to close.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (prefix?.length) controller.enqueue(prefix);
      incoming.on("data", (chunk: Buffer) => controller.enqueue(chunk));
      finished(incoming, (error) => {
        if (!cancelled) return error ? controller.error(error) : controller.close();
      });
      incoming.resume();
    },
    cancel() {
      cancelled = true;
      incoming.destroy();
    },
  });
}

export function isEventStream(incoming: http.IncomingMessage): boolean {
  return /^text\/event-stream\b/i.test(incoming.headers["content-type"] ?? "");
}

/** A JSON-RPC answer as it came on the wire, and parsed. */
export interface Answer {
  readonly text: string;
  readonly message: Record<string, unknown>;
}

/** The SSE answer of a POST as its JSON answer (see singleAnswer), with the session id it came with. */
function jsonResponse(incoming: http.IncomingMessage, answer: string): Response {
  const headers = new Headers({ "content-type": "application/json" });
  const sessionId = incoming.headers["mcp-session-id"];
  if (typeof sessionId === "string") headers.set("mcp-session-id", sessionId);
  return new Response(answer, { status: 200, statusText: incoming.statusMessage, headers });
}

/**
 * A POST's SSE answer that holds nothing but the request's answer, then ends (what an SDK server sends
 * for a call without progress), is read as that answer: the transport need not run a text decoder and
 * an SSE parser stream per call. Anything else (more events, event ids, a stream that stays open)
 * resolves with what was read so far, `prefix`, and the response paused for whoever reads the rest.
 */
export function singleAnswer(incoming: http.IncomingMessage): Promise<{ answer: Answer } | { prefix: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let answer: Answer | undefined;
    const asStream = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", asStream);
      incoming.pause();
      resolve({ prefix: Buffer.concat(chunks) });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const events = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).toString().split("\n\n");
      if (events.length === 1) return;
      answer = events.length === 2 && events[1] === "" ? answerIn(events[0]!) : undefined;
      if (answer === undefined) return asStream();
      // The answer is complete; usually the response is too, its end in the same read (known once the
      // parser is done with it), else it has until the next turn to end: a stream that stays open after
      // the answer is left to the transport.
      queueMicrotask(() => {
        if (incoming.complete) return;
        setImmediate(() => {
          if (!incoming.readableEnded) asStream();
        });
      });
    };
    const onEnd = () => (answer === undefined ? asStream() : resolve({ answer }));
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("error", asStream);
  });
}

/** The data of one SSE message event if it is a JSON-RPC answer, and the event has nothing else. */
function answerIn(event: string): Answer | undefined {
  const data: string[] = [];
  for (const line of event.split("\n")) {
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
    else if (line !== "event: message") return undefined;
  }
  const text = data.join("\n");
  try {
    const message = JSON.parse(text) as Record<string, unknown>;
    return message.jsonrpc === "2.0" && "id" in message && ("result" in message || "error" in message)
      ? { text, message }
      : undefined;
  } catch {
    return undefined;
  }
}
