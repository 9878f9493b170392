import type { Notification, Result } from "@modelcontextprotocol/sdk/types.js";
import type { FrontSession } from "./FrontSession.js";

type Params = Record<string, unknown>;

/** A session's subscriptions: the server and its own URI → the URI the client subscribed with. */
export type SessionSubscriptions = Map<string, string>;

function key(server: string, uri: string): string {
  return `${server}\u0000${uri}`;
}

/**
 * resources/subscribe and unsubscribe, remembered per session (by server and the server's own URI)
 * so updates reach only subscribers, under the URI each subscribed with; a shared backend is told
 * to unsubscribe only when no other session still listens.
 */
export class Subscriptions {
  /** 2026-07-28 listen streams' resource subscriptions: how many streams want each server's URI. */
  readonly #leases = new Map<string, number>();

  constructor(
    private readonly sessions: () => Iterable<FrontSession>,
    private readonly isIsolated: (server: string) => boolean,
  ) {}

  async change(
    session: FrontSession,
    server: string,
    method: "resources/subscribe" | "resources/unsubscribe",
    send: () => Promise<Result>,
    uri: string,
    exposedUri: string,
  ): Promise<Result> {
    if (method === "resources/subscribe") {
      const result = await send();
      session.subscriptions.set(key(server, uri), exposedUri);
      return result;
    }
    session.subscriptions.delete(key(server, uri));
    const stillWanted =
      !this.isIsolated(server) && (this.#leases.has(key(server, uri)) || this.#sessionWants(server, uri));
    return stillWanted ? {} : send();
  }

  /**
   * A 2026-07-28 listen stream wants updates of `server`'s `uri`: the shared backend is subscribed
   * with the first want (sessions' included) and unsubscribed after the last. The returned function
   * ends this stream's want (once).
   */
  async lease(
    server: string,
    uri: string,
    send: (method: "resources/subscribe" | "resources/unsubscribe") => Promise<unknown>,
  ): Promise<() => void> {
    const wanted = key(server, uri);
    const held = this.#leases.get(wanted) ?? 0;
    this.#leases.set(wanted, held + 1);
    const drop = () => {
      const left = (this.#leases.get(wanted) ?? 1) - 1;
      if (left > 0) this.#leases.set(wanted, left);
      else this.#leases.delete(wanted);
      return left === 0 && !this.#sessionWants(server, uri);
    };
    if (held === 0 && !this.#sessionWants(server, uri)) {
      try {
        await send("resources/subscribe");
      } catch (error) {
        drop();
        throw error;
      }
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (drop()) void send("resources/unsubscribe").catch(() => {});
    };
  }

  #sessionWants(server: string, uri: string): boolean {
    return [...this.sessions()].some((other) => other.sees(server) && other.subscriptions.has(key(server, uri)));
  }

  /**
   * The params of a backend notification as `session` gets them: a resources/updated only if the
   * session subscribed to that server's URI, with the URI it subscribed with; undefined if not for it.
   */
  paramsFor(session: FrontSession, server: string, notification: Notification): Params | undefined {
    const params = { ...((notification.params ?? {}) as Params) };
    if (notification.method !== "notifications/resources/updated") return params;
    const exposed = session.subscriptions.get(key(server, String(params.uri)));
    return exposed === undefined ? undefined : { ...params, uri: exposed };
  }
}
