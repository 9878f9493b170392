import { AsyncLocalStorage } from "node:async_hooks";
import type { ServerEvent, ServerEventBus } from "@modelcontextprotocol/server";
import type { FrontChange, Logger, McpSessions, Principal } from "open-mcp-gateway";

/** Who a modern request is for: its principal, and the one server of `/mcp/:id`. */
export interface Caller {
  readonly principal: Principal;
  readonly server?: string;
}

/** The request being served, and for subscriptions/listen the resources it asked to hear about. */
export interface Serving {
  readonly caller: Caller;
  readonly resourceSubscriptions?: readonly string[];
}

/**
 * The bus the SDK's `subscriptions/listen` streams hear from, fed by the gateway's own events (see
 * McpSessions.changes): a stream hears only of servers its caller sees (its `/mcp/:id`, or those its
 * key may use), and the resources it names are subscribed at their backends for as long as it is
 * open. The SDK subscribes a stream while it serves the listen request, so the request's caller is
 * known then (`serving`).
 */
export class ListenBus implements ServerEventBus {
  readonly serving = new AsyncLocalStorage<Serving>();
  readonly #listeners = new Set<(event: ServerEvent, server?: string) => void>();

  constructor(
    private readonly sessions: McpSessions,
    private readonly logger: Logger,
  ) {
    sessions.changes((change) => {
      for (const listener of this.#listeners) listener(toEvent(change), change.server);
    });
  }

  publish(event: ServerEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    const serving = this.serving.getStore();
    const caller = serving?.caller;
    const sees = (server: string | undefined) =>
      server === undefined ||
      caller === undefined ||
      (caller.server === undefined
        ? this.sessions.servers(caller.principal).includes(server)
        : caller.server === server);
    const deliver = (event: ServerEvent, server?: string) => {
      if (sees(server)) listener(event);
    };
    this.#listeners.add(deliver);
    const releases = caller ? this.#subscribeResources(caller, serving?.resourceSubscriptions ?? []) : [];
    return () => {
      this.#listeners.delete(deliver);
      for (const release of releases) void release.then((end) => end?.());
    };
  }

  /** Backend subscriptions for the resources a stream named; one that cannot be made is logged, the others stand. */
  #subscribeResources(caller: Caller, uris: readonly string[]): Array<Promise<(() => void) | undefined>> {
    return uris.map((uri) =>
      this.sessions.subscribeResource(caller.principal, caller.server, uri).catch((error: unknown) => {
        this.logger.info(
          `A listen stream's subscription to ${uri} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return undefined;
      }),
    );
  }
}

function toEvent(change: FrontChange): ServerEvent {
  switch (change.kind) {
    case "tools":
      return { kind: "tools_list_changed" };
    case "prompts":
      return { kind: "prompts_list_changed" };
    case "resources":
      return { kind: "resources_list_changed" };
    case "resource":
      return { kind: "resource_updated", uri: change.uri };
  }
}
