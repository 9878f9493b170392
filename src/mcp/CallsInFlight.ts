/** Pass-through calls count as one more caller of a shared backend (one that cannot be sent anything); no session id looks like it. */
export const PASS_THROUGH_CALLER = "\u0000pass-through";

/**
 * Calls in flight per shared server and client session: what tells whose a backend's own request
 * (sampling, elicitation, vendor) or notification (log, vendor) is, since the stdio wire does not
 * say. Calls never wait for each other: a message that cannot be attributed is refused or dropped,
 * not guessed.
 */
export class CallsInFlight {
  readonly #active = new Map<string, Map<string, number>>();

  /** Counts one call of `session` to `server`; the returned function ends it (once). */
  enter(server: string, session: string): () => void {
    this.#count(server, session, 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#count(server, session, -1);
    };
  }

  /** Sessions with calls in flight to `server`. */
  busy(server: string): string[] {
    return [...(this.#active.get(server)?.keys() ?? [])];
  }

  #count(server: string, session: string, delta: number): void {
    const active = this.#active.get(server) ?? new Map<string, number>();
    const next = (active.get(session) ?? 0) + delta;
    if (next > 0) active.set(session, next);
    else active.delete(session);
    if (active.size > 0) this.#active.set(server, active);
    else this.#active.delete(server);
  }
}
