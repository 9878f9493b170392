import type { Result } from "@modelcontextprotocol/sdk/types.js";
import type { FrontSession } from "./FrontSession.js";

/**
 * resources/subscribe and unsubscribe, remembered per session so updates reach only subscribers;
 * a shared backend is told to unsubscribe only when no other session still listens.
 */
export class Subscriptions {
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
  ): Promise<Result> {
    if (method === "resources/subscribe") {
      const result = await send();
      session.subscriptions.add(uri);
      return result;
    }
    session.subscriptions.delete(uri);
    const stillWanted =
      !this.isIsolated(server) &&
      [...this.sessions()].some((other) => other.sees(server) && other.subscriptions.has(uri));
    return stillWanted ? {} : send();
  }
}
