import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * Marks a relayed request with the owner's boot nonce. A replica never relays a request that
 * carries it (one hop at most), so a restarted replica at the owner's address answers 404
 * instead of sending the request on.
 */
export const HOP_HEADER = "x-mcpgw-hop";

/** Headers that belong to one connection (RFC 9110 7.6.1), not to the message relayed. */
const CONNECTION_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  HOP_HEADER,
]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!CONNECTION_HEADERS.has(name)) out[name] = value;
  return out;
}

export interface RelayTarget {
  readonly url: URL;
  /** The owner's boot nonce, sent as HOP_HEADER. */
  readonly epoch: string;
  readonly connectTimeoutMs: number;
  /**
   * How long the owner may take to start its answer once connected: a replica's answers start at once
   * (an SSE stream's headers before any result), so one that does not is frozen, not slow.
   */
  readonly answerTimeoutMs: number;
}

/**
 * `answered`: the owner's answer is on its way to the client. `unreachable`: refused, or not
 * connected in time; nothing was read or written. `lost`: the owner went away before it answered,
 * after the request's body was sent; nothing was written.
 */
export type RelayResult = "answered" | "unreachable" | "lost";

/**
 * Streams `req` to the owner and its answer back as it comes (SSE events included), each way
 * without buffering; either side going away ends the other. The body is read only once connected,
 * so an unreachable owner leaves the request whole for another outcome (adoption).
 * A fresh connection each time: no pooled socket to a dead owner, and the connect timeout always applies.
 */
export function relay(target: RelayTarget, req: IncomingMessage, res: ServerResponse): Promise<RelayResult> {
  return new Promise((resolve) => {
    const upstream = http.request({
      host: target.url.hostname,
      port: target.url.port,
      method: req.method,
      path: req.url,
      headers: { ...forwardable(req.headers), [HOP_HEADER]: target.epoch },
      agent: false,
    });
    let answered = false;
    let connected = false;
    let answerTimer: NodeJS.Timeout | undefined;
    const connectTimer = setTimeout(
      () => upstream.destroy(new Error(`not connected within ${target.connectTimeoutMs} ms`)),
      target.connectTimeoutMs,
    );
    upstream.once("socket", (socket) =>
      socket.once("connect", () => {
        connected = true;
        clearTimeout(connectTimer);
        answerTimer = setTimeout(
          () => upstream.destroy(new Error(`no answer within ${target.answerTimeoutMs} ms`)),
          target.answerTimeoutMs,
        );
        req.pipe(upstream);
      }),
    );
    upstream.once("response", (answer) => {
      answered = true;
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
      res.writeHead(answer.statusCode!, answer.statusMessage, forwardable(answer.headers));
      // An SSE answer's headers go out now, not with its first event.
      res.flushHeaders();
      answer.pipe(res);
      answer.once("aborted", () => res.destroy());
      resolve("answered");
    });
    upstream.once("error", () => {
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
      req.unpipe(upstream);
      // Cut mid-answer (the owner died): the client sees its stream end and may resume it elsewhere.
      if (answered) res.destroy();
      else resolve(connected ? "lost" : "unreachable");
    });
    res.once("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
  });
}
