import type { ClientCapabilities, Notification, Result } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../kernel/hooks.js";
import { isPlainObject } from "../kernel/plainObject.js";
import { RpcCode } from "../protocol/protocol.js";
import { toWireError, WireError } from "../protocol/wireErrors.js";
import type { AcquireOptions } from "../supervisor/Supervisor.js";
import { missingClientCapability } from "./clientCapabilities.js";
import { LOG_LEVELS } from "./LogLevels.js";
import type { McpCore } from "./McpCore.js";
import type { ParkedCall, ParkedState } from "./ParkedCalls.js";
import type { RequestCarrier } from "./RequestPipeline.js";
import { ReturnedUris } from "./resourceUris.js";
import type { SessionInfo } from "./types.js";

type Params = Record<string, unknown>;

/** The 2026-07-28 error for a request that needs a client capability the request did not declare. */
export const MISSING_CLIENT_CAPABILITY = -32021;

/** How long after a backend's first question its others count as asked together (one `input_required`). */
const GATHER_MS = 20;

/**
 * Where a legacy backend may name the key its question gets in `inputRequests` (in the request's
 * `_meta`); without it the key is the method's short name.
 */
export const INPUT_KEY_META = "dev.mcpgw/inputKey";

const SHORT_NAMES: Readonly<Record<string, string>> = {
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
};

/** A question's key (the backend's hint, or the method's short name) and its params without the hint. */
function inputKey(method: string, params: Params): { key: string; params: Params } {
  const meta = isPlainObject(params._meta) ? params._meta : undefined;
  const hint = meta?.[INPUT_KEY_META];
  if (typeof hint !== "string" || hint === "") return { key: SHORT_NAMES[method] ?? "input", params };
  const { [INPUT_KEY_META]: _hint, ...rest } = meta!;
  const { _meta: _old, ...bare } = params;
  return { key: hint, params: Object.keys(rest).length > 0 ? { ...bare, _meta: rest } : bare };
}

function uniqueKey(taken: ReadonlyMap<string, unknown>, key: string): string {
  if (!taken.has(key)) return key;
  let n = 2;
  while (taken.has(`${key}${n}`)) n += 1;
  return `${key}${n}`;
}

/** The envelope keys of a 2026-07-28 request: the gateway's own business, never sent to a backend. */
const ENVELOPE_PREFIX = "io.modelcontextprotocol/";

/**
 * One request of the 2026-07-28 era (no session): what its client declared in the request's own
 * `_meta`, where its progress and logs go, and, for the input bridge, the parked call it resumes.
 */
export interface ModernRequest {
  readonly principal: Principal;
  /** The one server of `/mcp/:id`; undefined when aggregated. */
  readonly server?: string;
  readonly clientCapabilities: ClientCapabilities;
  /** `io.modelcontextprotocol/logLevel`: without it no log message goes to the client. */
  readonly logLevel?: string;
  /** How long a call parked for this client's answers waits for its retry. */
  readonly inputWaitMs: number;
  /** Ends when the client goes away. */
  readonly signal: AbortSignal;
  /** Sends a notification on this request's own response stream (progress, logs). */
  notify(notification: Notification): Promise<void>;
  /** `inputResponses` sent without a `requestState`: answers the call's questions may find ready. */
  readonly answers?: Params;
  /** A retry of an `input_required` answer: the parked call it continues and the client's answers. */
  readonly resume?: { readonly parked: ParkedCall; readonly inputResponses: Params };
  /** Seals where a parked call is into the `requestState` its client echoes on the retry (signed, expiring). */
  seal(state: ParkedState): Promise<string>;
}

/**
 * A 2026-07-28 request on its way to the backends: the pipeline's carrier for it, and what a backend
 * that asks its client something (sampling, elicitation, roots) during the call is answered. A
 * modern client cannot be sent requests: a question becomes an `input_required` result (see
 * ParkedCalls), or, when the client did not declare the capability, the call fails with -32021.
 */
export class ModernCall {
  readonly info: SessionInfo;
  /** Backend calls of this request still going (a parked one outlives the request that started it). */
  readonly #running = new Set<Running>();
  #answered = false;

  constructor(
    private readonly core: McpCore,
    readonly request: ModernRequest,
  ) {
    this.info = {
      id: `modern:${crypto.randomUUID()}`,
      principal: request.principal,
      transport: "streamable-http",
      ...(request.server !== undefined && { server: request.server }),
      openedAt: new Date(),
    };
  }

  get id(): string {
    return this.info.id;
  }

  clientCapabilities(): ClientCapabilities {
    return this.request.clientCapabilities;
  }

  /** Whether `server`'s messages may be for this request: its one server, or any its principal may use when aggregated. */
  sees(server: string): boolean {
    return (
      (this.info.server === undefined || this.info.server === server) && this.core.mayUse(this.info.principal, server)
    );
  }

  /** Whether the call still holds anything: the request in progress, or a backend call parked for a retry. */
  get live(): boolean {
    return !this.#answered || this.#running.size > 0;
  }

  /** The request was answered; the call stays known while a backend call of it is parked. */
  answered(): void {
    this.#answered = true;
  }

  carrier(): RequestCarrier {
    return {
      principal: this.info.principal,
      transport: this.info.transport,
      ...(this.info.server !== undefined && { server: this.info.server }),
      optionsFor: (server) => this.acquireOptions(server),
      send: (server, method, params) => this.forward(server, method, params),
      ...(this.info.server === undefined && { returned: new ReturnedUris() }),
    };
  }

  /** A shared backend serves the request as is; an `isolation: session` server gets a backend for this request alone. */
  acquireOptions(server: string): AcquireOptions {
    if (!this.core.isIsolated(server)) return {};
    return {
      sessionId: this.id,
      capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} },
      configure: this.core.configureFor(server, this.id),
    };
  }

  /**
   * Forwards one request to `server` (or, on a retry, continues the parked one): its result, or an
   * `input_required` result when the backend asks the client something first.
   */
  async forward(server: string, method: string, params: Params): Promise<Result> {
    const resume = this.request.resume;
    if (resume) return this.#resume(resume.parked, server, method, resume.inputResponses);
    const { _meta, inputResponses: _responses, requestState: _state, ...rest } = params;
    const { progressToken, ...meta } = Object.fromEntries(
      Object.entries((_meta ?? {}) as Params).filter(([key]) => !key.startsWith(ENVELOPE_PREFIX)),
    );
    const backendParams = Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
    const onProgress =
      progressToken === undefined
        ? undefined
        : (progress: Params) =>
            void this.request
              .notify({ method: "notifications/progress", params: { ...progress, progressToken } })
              .catch(() => {});
    const aborts = new AbortController();
    const leave = this.core.calls.enter(server, this.id);
    const call: Running = {
      server,
      method,
      questions: [],
      abort: (reason) => aborts.abort(new Error(reason)),
      answer: this.core.supervisor
        .request(
          server,
          { method, params: backendParams },
          { signal: aborts.signal, ...(onProgress && { onProgress }), ...this.acquireOptions(server) },
        )
        .then(
          (result): Outcome => ({ kind: "done", result }),
          (error: unknown): Outcome => ({ kind: "failed", error }),
        ),
    };
    this.#running.add(call);
    void call.answer.then(() => {
      leave();
      this.#running.delete(call);
      this.core.modernCallEnded(this);
    });
    return this.#next(call);
  }

  /**
   * What the call does next: it answers (the result), fails, or asks its client something (an
   * `input_required` result, the call parked until the client retries). Questions a backend asks
   * together (within GATHER_MS of the first) go out in one result. The client leaving the request
   * before then cancels the backend call.
   */
  async #next(call: Running): Promise<Result> {
    const left = () => call.abort("The client closed the request");
    this.request.signal.addEventListener("abort", left, { once: true });
    try {
      for (;;) {
        const next = await Promise.race([call.answer, nextQuestion(call)]);
        if (next.kind === "done") return next.result;
        if (next.kind === "failed") throw notFoundAsInvalid(toWireError(next.error));
        await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
        const asked = [next.question, ...call.questions.splice(0)];
        const open = this.#answerable(call, asked);
        if (open.size > 0) return await this.core.parked.park(this.request, call, open);
      }
    } finally {
      this.request.signal.removeEventListener("abort", left);
    }
  }

  /**
   * The questions to put to the client, by key. One it already answered (answers sent with the
   * request) is answered at once; one it declared no capability for is refused to the backend, and
   * when nothing else is left the call fails with -32021 naming what was missing.
   */
  #answerable(call: Running, asked: Question[]): Map<string, Question> {
    const open = new Map<string, Question>();
    const missing: string[] = [];
    for (const question of asked) {
      const absent = missingClientCapability(question.method, question.params, this.request.clientCapabilities);
      if (absent !== undefined) {
        missing.push(absent);
        question.reject(
          new WireError(
            RpcCode.InternalError,
            `The client did not declare the capability '${absent}' ${question.method} needs`,
          ),
        );
        continue;
      }
      const given = this.request.resume === undefined ? this.request.answers?.[question.key] : undefined;
      if (isPlainObject(given)) question.resolve(given as Result);
      else open.set(uniqueKey(open, question.key), question);
    }
    if (open.size === 0 && missing.length > 0) {
      call.abort(`The client lacks ${missing.join(", ")}`);
      throw new WireError(
        MISSING_CLIENT_CAPABILITY,
        `The call needs the client capability '${missing[0]}'; this request did not declare it in io.modelcontextprotocol/clientCapabilities`,
        { requiredCapabilities: requiredCapabilities(missing) },
      );
    }
    return open;
  }

  /** A retry: the parked questions the client answered are answered at the backend, and the call goes on. */
  async #resume(parked: ParkedCall, server: string, method: string, responses: Params): Promise<Result> {
    if (parked.call.server !== server || parked.call.method !== method) throw invalidRequestState();
    this.core.parked.release(parked);
    const open = new Map<string, Question>();
    for (const [key, question] of parked.questions) {
      const response = responses[key];
      if (isPlainObject(response)) question.resolve(response as Result);
      else open.set(key, question);
    }
    // Questions left unanswered are asked again (a new state), never taken as an error.
    if (open.size > 0) return this.core.parked.park(this.request, parked.call, open);
    return this.#next(parked.call);
  }

  /** A backend's request for the client during this call: it waits for the client's answer (see #next). */
  ask(method: string, params: Params): Promise<Result> {
    const call = [...this.#running].at(-1);
    if (!call) return Promise.reject(new WireError(RpcCode.InternalError, `${method} came when no call was in flight`));
    const { key, params: asked } = inputKey(method, params);
    return new Promise<Result>((resolve, reject) => {
      call.questions.push({ key, method, params: asked, resolve, reject });
      call.wake?.();
    });
  }

  /** A backend's log message, relayed only when this request named a level (`io.modelcontextprotocol/logLevel`). */
  log(server: string, params: Params): void {
    const wanted = this.request.logLevel;
    if (wanted === undefined || LOG_LEVELS.indexOf(String(params.level)) < LOG_LEVELS.indexOf(wanted)) return;
    const logger = this.info.server === undefined ? [server, params.logger].filter(Boolean).join("/") : params.logger;
    void this.request
      .notify({ method: "notifications/message", params: { ...params, ...(logger !== undefined && { logger }) } })
      .catch(() => {});
  }

  /** Other notifications have no stream to go on in this era: a request's stream carries its own progress and logs. */
  notify(): void {}
}

/** The next question the backend asks during `call` (questions asked while it was parked wait in its queue). */
function nextQuestion(call: Running): Promise<Outcome> {
  return new Promise((resolve) => {
    const take = () => {
      const question = call.questions.shift();
      if (!question) return false;
      call.wake = undefined;
      resolve({ kind: "asked", question });
      return true;
    };
    if (!take()) call.wake = take;
  });
}

export function invalidRequestState(): WireError {
  return new WireError(RpcCode.InvalidParams, "Invalid or expired requestState", { reason: "invalid_request_state" });
}

/** A backend's request to the client, waiting for its answer. */
export interface Question {
  /** Its key in `inputRequests`. */
  readonly key: string;
  readonly method: string;
  readonly params: Params;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

type Outcome =
  | { readonly kind: "done"; readonly result: Result }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "asked"; readonly question: Question };

/** One backend call of a modern request, possibly across several rounds of `input_required`. */
export interface Running {
  readonly server: string;
  readonly method: string;
  readonly answer: Promise<Outcome>;
  /** Questions the backend asked that no round has taken yet. */
  readonly questions: Question[];
  /** Set while a round waits for the next question. */
  wake?: () => boolean;
  abort(reason: string): void;
}

/** `["sampling", "elicitation.url"]` → `{ sampling: {}, elicitation: { url: {} } }`: the ClientCapabilities object -32021 carries. */
function requiredCapabilities(missing: readonly string[]): ClientCapabilities {
  const required: Record<string, Record<string, unknown>> = {};
  for (const name of missing) {
    const [capability, mode] = name.split(".");
    required[capability!] = { ...required[capability!], ...(mode !== undefined && { [mode]: {} }) };
  }
  return required as ClientCapabilities;
}

/** 2026-07-28 has no -32002: a resource that does not exist is -32602, naming its URI. */
function notFoundAsInvalid(error: WireError): WireError {
  if (error.code !== -32002) return error;
  return new WireError(RpcCode.InvalidParams, error.message, error.data);
}
