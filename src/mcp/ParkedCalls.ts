import type { Result } from "@modelcontextprotocol/sdk/types.js";
import { RpcCode } from "../protocol/protocol.js";
import { WireError } from "../protocol/wireErrors.js";
import type { ModernRequest, Question, Running } from "./ModernCall.js";

/** What a `requestState` carries: which parked call a retry continues. */
export interface ParkedState {
  readonly parked: string;
}

/** A backend call waiting for its modern client's answers, by `inputRequests` key. */
export interface ParkedCall {
  readonly id: string;
  readonly principal: string;
  readonly call: Running;
  readonly questions: ReadonlyMap<string, Question>;
  readonly timer: NodeJS.Timeout;
}

export interface ParkedCallLimits {
  /** Parked calls at most, all clients together: past it a question fails at once. */
  readonly max: number;
}

/**
 * The input bridge (docs/protocol-eras.md): a legacy backend's sampling, elicitation or roots request
 * during a 2026-07-28 call is parked here while the client's call returns `input_required`; the
 * client's retry (its `requestState` names the entry) answers it and the call goes on. An entry not
 * retried in time is answered as the client declining, and its call cancelled at the backend.
 */
export class ParkedCalls {
  readonly #table = new Map<string, ParkedCall>();

  constructor(private readonly limits: ParkedCallLimits) {}

  get size(): number {
    return this.#table.size;
  }

  /** Parks `call` on `questions`: the `input_required` result its client gets. */
  async park(request: ModernRequest, call: Running, questions: ReadonlyMap<string, Question>): Promise<Result> {
    if (this.#table.size >= this.limits.max) {
      const message = `${this.limits.max} calls already wait for their clients' input (the gateway's bound); the server's ${[...questions.values()].map((q) => q.method).join(", ")} was refused`;
      for (const question of questions.values()) question.reject(new WireError(RpcCode.InternalError, message));
      call.abort(message);
      throw new WireError(RpcCode.InternalError, message);
    }
    const id = crypto.randomUUID();
    const timer = setTimeout(() => this.#expire(id, request.inputWaitMs), request.inputWaitMs);
    timer.unref();
    const parked: ParkedCall = { id, principal: request.principal.id, call, questions, timer };
    this.#table.set(id, parked);
    // The backend gave up (its own timeout, a crash): nothing waits any more.
    void call.answer.then(() => this.release(parked));
    const inputRequests = Object.fromEntries(
      [...questions].map(([key, question]) => [key, { method: question.method, params: question.params }]),
    );
    return { resultType: "input_required", inputRequests, requestState: await request.seal({ parked: id }) };
  }

  /** The parked call a verified `requestState` names, if it still waits and is `principal`'s. */
  get(state: ParkedState, principal: string): ParkedCall | undefined {
    const parked = this.#table.get(state.parked);
    return parked && parked.principal === principal ? parked : undefined;
  }

  release(parked: ParkedCall): void {
    clearTimeout(parked.timer);
    if (this.#table.get(parked.id) === parked) this.#table.delete(parked.id);
  }

  /** Shutdown: every parked call is answered as expired. */
  close(): void {
    for (const id of [...this.#table.keys()]) this.#expire(id, 0);
  }

  #expire(id: string, waitedMs: number): void {
    const parked = this.#table.get(id);
    if (!parked) return;
    this.release(parked);
    const reason = `The client did not answer within ${Math.round(waitedMs / 1000)} s`;
    // An elicitation has an answer for "the user did not respond"; the others only an error.
    for (const question of parked.questions.values())
      if (question.method === "elicitation/create") question.resolve({ action: "cancel" });
      else question.reject(new WireError(RpcCode.InternalError, `${reason}: ${question.method}`));
    parked.call.abort(reason);
  }
}
