import type { Logger } from "../kernel/logger.js";
import { toWireError } from "../protocol/wireErrors.js";
import { PASS_THROUGH_CALLER, type CallsInFlight } from "./CallsInFlight.js";
import type { FrontSession } from "./FrontSession.js";
import type { ModernCall } from "./ModernCall.js";

type Params = Record<string, unknown>;

/** Whose a backend's message is: one session, or why the gateway cannot tell (worded to follow "sent ... while"). */
export type Attributed = { readonly session: FrontSession | ModernCall } | { readonly unattributed: string };

/** The JSON-RPC code of "URL elicitation required": its data names elicitations a completion may follow. */
const URL_ELICITATION_REQUIRED = -32042;

/**
 * URL elicitations kept waiting for their completion, all sessions together. A completion that
 * never comes (the user walked away) must not keep its entry for good: past the bound the oldest go.
 */
const MAX_OPEN_ELICITATIONS = 10_000;

/**
 * Who the messages a shared backend sends without naming a client are for (docs/relay.md). The
 * stdio wire does not say, so the gateway tells by what it relayed: a URL elicitation's id, or the
 * one caller of the backend. A message it cannot attribute goes to no one, never to a guessed client.
 */
export class Attribution {
  /** `<server>\0<elicitationId>` → the session the elicitation was relayed to. */
  readonly #elicitations = new Map<string, string>();

  constructor(
    private readonly sessions: ReadonlyMap<string, FrontSession>,
    /** 2026-07-28 requests in progress: they call backends without a session. */
    private readonly modernCalls: ReadonlyMap<string, ModernCall>,
    private readonly calls: CallsInFlight,
    private readonly logger: Logger,
  ) {}

  /**
   * The one caller of a shared backend: the one session with calls in flight to it, or with none in
   * flight the only session using it.
   */
  caller(server: string): Attributed {
    const busy = this.calls.busy(server);
    if (busy.length > 1) {
      const passThrough = busy.includes(PASS_THROUGH_CALLER) ? " (pass-through calls among them)" : "";
      return { unattributed: `${busy.length} client sessions${passThrough} had calls in flight to it` };
    }
    if (busy.length === 1) {
      const session = this.sessions.get(busy[0]!) ?? this.modernCalls.get(busy[0]!);
      if (session) return { session };
      return {
        unattributed:
          busy[0] === PASS_THROUGH_CALLER
            ? "its one call in flight came through pass-through, which cannot be sent anything"
            : "the session of its one call in flight had closed",
      };
    }
    const users = [...this.sessions.values()].filter((session) => session.uses(server));
    if (users.length === 1) return { session: users[0]! };
    return {
      unattributed:
        users.length === 0
          ? "no call was in flight to it and no client session used it"
          : `no call was in flight to it and ${users.length} client sessions used it`,
    };
  }

  /**
   * Where a log message, a URL elicitation's completion or a vendor notification of `server` goes:
   * its own session (`owner`) for a backend that has one; undefined, logged at debug with the
   * reason, when no session can be told.
   */
  notificationTarget(
    server: string,
    owner: string | undefined,
    method: string,
    params: Params,
  ): FrontSession | ModernCall | undefined {
    const target = this.#notificationTarget(server, owner, method, params);
    if ("session" in target) return target.session;
    this.logger.debug(
      { server, method },
      `Dropped ${method} from server '${server}': it came while ${target.unattributed}, so the gateway cannot tell which client it is for`,
    );
    return undefined;
  }

  #notificationTarget(server: string, owner: string | undefined, method: string, params: Params): Attributed {
    // Taken first whoever gets the completion: it comes once per elicitation.
    const elicitedBy =
      method === "notifications/elicitation/complete" ? this.#takeElicitation(server, params) : undefined;
    if (owner !== undefined) {
      const session = this.sessions.get(owner);
      return session ? { session } : { unattributed: "the session that owns the backend had closed" };
    }
    if (method !== "notifications/elicitation/complete") return this.caller(server);
    const session = elicitedBy === undefined ? undefined : this.sessions.get(elicitedBy);
    if (session) return { session };
    return {
      unattributed: `no open client session had been sent a URL elicitation with id ${JSON.stringify(params.elicitationId)} from it`,
    };
  }

  /** A backend request the gateway relays to `session`: a URL elicitation's id is where its completion goes. */
  relayed(server: string, session: { readonly id: string }, method: string, params: Params): void {
    if (method === "elicitation/create" && params.mode === "url") this.#openElicitation(server, session, params);
  }

  /** A backend's "URL elicitation required" error (-32042) on a call of `session`: its elicitations' completions go there. */
  failed(server: string, session: FrontSession, error: unknown): void {
    const wire = toWireError(error);
    if (wire.code !== URL_ELICITATION_REQUIRED) return;
    const elicitations = (wire.data as { elicitations?: unknown } | undefined)?.elicitations;
    if (!Array.isArray(elicitations)) return;
    for (const elicitation of elicitations) this.#openElicitation(server, session, elicitation as Params);
  }

  /** A session ended: completions of its elicitations have nowhere to go. */
  closed(session: FrontSession): void {
    for (const [key, owner] of this.#elicitations) if (owner === session.id) this.#elicitations.delete(key);
  }

  #openElicitation(server: string, session: { readonly id: string }, params: Params | undefined): void {
    if (typeof params?.elicitationId !== "string") return;
    const key = `${server}\u0000${params.elicitationId}`;
    this.#elicitations.delete(key);
    this.#elicitations.set(key, session.id);
    if (this.#elicitations.size > MAX_OPEN_ELICITATIONS) {
      const [oldest] = this.#elicitations.keys();
      this.#elicitations.delete(oldest!);
    }
  }

  /** The session a URL elicitation went to; its completion comes once, so the entry goes. */
  #takeElicitation(server: string, params: Params): string | undefined {
    if (typeof params.elicitationId !== "string") return undefined;
    const key = `${server}\u0000${params.elicitationId}`;
    const session = this.#elicitations.get(key);
    this.#elicitations.delete(key);
    return session;
  }
}
