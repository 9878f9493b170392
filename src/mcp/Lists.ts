import type { ServerDefinition } from "../config/model.js";
import { errorMessage } from "../kernel/errors.js";
import type { Principal } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import { mayUseServer } from "../services/auth.js";
import { collectPages, MAX_LIST_ITEMS, pageOf } from "../protocol/pages.js";
import type { CapabilitySnapshot } from "../supervisor/CapabilityCache.js";
import type { AcquireOptions, Supervisor } from "../supervisor/Supervisor.js";
import type { RequestHooks } from "./hooks.js";
import { describeNameChange, NameMap, type NameChange } from "./toolNames.js";
import type { ListContext, ListedItem, ListKind } from "./types.js";

type RawObject = Record<string, unknown>;

/** How a given server is to be acquired for the asking session (its capabilities and request handlers). */
export type OptionsFor = (server: string) => AcquireOptions;

/** Sends one request to a backend the way the asking session or pass-through does (live lists of one server). */
export type SendRequest = (server: string, method: string, params: RawObject) => Promise<RawObject>;

export interface ListSources {
  readonly optionsFor: OptionsFor;
  readonly send: SendRequest;
  /** One page as the backend gave it (pass-through keeps the original's paging); otherwise every page in one answer. */
  readonly onePage?: boolean;
}

export interface Route {
  readonly server: string;
  readonly name: string;
}

/** The list methods, the kind of list they answer and the field holding its items. */
export const LIST_METHODS: Readonly<Record<string, { readonly kind: ListKind; readonly field: string }>> = {
  "tools/list": { kind: "tools", field: "tools" },
  "prompts/list": { kind: "prompts", field: "prompts" },
  "resources/list": { kind: "resources", field: "resources" },
  "resources/templates/list": { kind: "resourceTemplates", field: "resourceTemplates" },
};

const METHOD_OF = Object.fromEntries(
  Object.entries(LIST_METHODS).map(([method, { kind, field }]) => [kind, { method, field }]),
) as Record<ListKind, { method: string; field: string }>;

const SNAPSHOT_FIELD: Readonly<Record<ListKind, "tools" | "prompts" | "resources" | "resource_templates">> = {
  tools: "tools",
  prompts: "prompts",
  resources: "resources",
  resourceTemplates: "resource_templates",
};

/**
 * Every list a client receives, on every path, comes from here: the items are gathered (one
 * server's live list, or every server's from the capability cache when aggregated), passed
 * through the `list` request hook, then exposed: aggregated tools and prompts renamed
 * `<prefix><separator><name>`, resources unchanged. The way back from an exposed name to its
 * server and original name is remembered here too.
 */
export class Lists {
  #aggregated?: { tools: NameMap; prompts: NameMap };
  #naming?: { separator: string; maxLength: number };
  /** One-server endpoints: the listed name of each tool or prompt → the backend's own name, per server. */
  readonly #direct = { tools: new Map<string, Map<string, string>>(), prompts: new Map<string, Map<string, string>>() };

  constructor(
    private readonly kernel: Kernel,
    private readonly supervisor: Supervisor,
    private readonly hooks: RequestHooks,
    private readonly logger: Logger,
  ) {}

  /**
   * The items of one list as the client receives them. `context.server` set: that server's list,
   * every page (clients such as inspector v1 read only the first), or the one page at `cursor`.
   */
  async list(
    context: ListContext,
    sources: ListSources & { cursor?: string },
  ): Promise<{ items: RawObject[]; nextCursor?: string }> {
    const { gathered, nextCursor } =
      context.server === undefined
        ? { gathered: await this.#fromCache(context.kind, sources.optionsFor, context.principal) }
        : await this.#live(context.kind, context.server, sources.send, sources.cursor, sources.onePage);
    const listed = await this.hooks.list.promise(gathered, context);
    const items = this.#expose(context, listed, sources.cursor === undefined && !sources.onePage);
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }

  /**
   * The server and original name behind a tool or prompt name a client sent. Aggregated, the list
   * is read again on a miss (a client may call without listing); one server's names need no list to
   * be called, so a miss there is undefined and the name goes to the backend as sent.
   */
  async route(
    kind: "tools" | "prompts",
    exposed: string,
    context: ListContext,
    sources: ListSources,
  ): Promise<Route | undefined> {
    const known = this.#resolve(kind, exposed, context.server);
    if (known || context.server !== undefined) return known;
    await this.list({ ...context, kind }, { ...sources, onePage: false });
    return this.#resolve(kind, exposed, context.server);
  }

  /** The server owning a resource URI on the aggregated endpoint (of those `principal` may use): an exact listed URI first, then the first template that matches. */
  async routeResource(uri: string, optionsFor: OptionsFor, principal: Principal): Promise<string | undefined> {
    const snapshots = await this.#snapshots(optionsFor, principal);
    const exact = snapshots.find(({ snapshot }) => snapshot.resources.some((resource) => resource.uri === uri));
    if (exact) return exact.server.id;
    return snapshots.find(({ snapshot }) =>
      snapshot.resource_templates.some((template) => matchesTemplate(String(template.uriTemplate), uri)),
    )?.server.id;
  }

  #resolve(kind: "tools" | "prompts", exposed: string, server: string | undefined): Route | undefined {
    if (server === undefined) return this.#maps()[kind].resolve(exposed);
    const name = this.#direct[kind].get(server)?.get(exposed);
    return name === undefined ? undefined : { server, name };
  }

  async #fromCache(kind: ListKind, optionsFor: OptionsFor, principal: Principal): Promise<ListedItem[]> {
    const field = SNAPSHOT_FIELD[kind];
    return (await this.#snapshots(optionsFor, principal)).flatMap(({ server, snapshot }) =>
      snapshot[field].map((item) => listed(kind, server.id, item)),
    );
  }

  async #live(
    kind: ListKind,
    server: string,
    send: SendRequest,
    cursor: string | undefined,
    onePage = false,
  ): Promise<{ gathered: ListedItem[]; nextCursor?: string }> {
    const { method, field } = METHOD_OF[kind];
    const fetchPage = async (at: string | undefined) =>
      pageOf(await send(server, method, at === undefined ? {} : { cursor: at }), field);
    if (cursor !== undefined || onePage) {
      const page = await fetchPage(cursor);
      return {
        gathered: page.items.map((item) => listed(kind, server, item)),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
      };
    }
    const { items, truncated } = await collectPages(fetchPage);
    if (truncated)
      this.logger.warn({ server }, `${method}: the list is cut at ${MAX_LIST_ITEMS} items; the backend had more pages`);
    return { gathered: items.map((item) => listed(kind, server, item)) };
  }

  #expose(context: ListContext, entries: readonly ListedItem[], complete: boolean): RawObject[] {
    const { kind, server } = context;
    if (kind !== "tools" && kind !== "prompts") return entries.map((entry) => entry.item);
    if (server !== undefined) {
      const names = complete
        ? new Map<string, string>()
        : (this.#direct[kind].get(server) ?? new Map<string, string>());
      for (const entry of entries) names.set(String(entry.item.name), entry.original);
      this.#direct[kind].set(server, names);
      return entries.map((entry) => entry.item);
    }
    const map = this.#maps()[kind];
    const prefixes = new Map(this.kernel.config.servers.map((definition) => [definition.id, definition.tool_prefix]));
    const out: RawObject[] = [];
    for (const id of new Set(entries.map((entry) => entry.server))) map.forget(id);
    for (const entry of entries) {
      const shown = String(entry.item.name);
      const exposed = map.expose(entry.server, prefixes.get(entry.server) ?? entry.server, shown, entry.original);
      if (exposed === undefined) {
        this.logger.warn(
          { server: entry.server },
          `${kind === "tools" ? "Tool" : "Prompt"} '${shown}' is left out: another server's ${kind === "tools" ? "tool" : "prompt"} has the same name; set tool_prefix`,
        );
        continue;
      }
      out.push({ ...entry.item, name: exposed });
    }
    return out;
  }

  /**
   * The snapshot of every server `principal` may use, in config order; servers with none are started
   * (in parallel) and read; failures are logged and left out. Servers hidden from it are never started.
   */
  async #snapshots(
    optionsFor: OptionsFor,
    principal: Principal,
  ): Promise<Array<{ server: ServerDefinition; snapshot: CapabilitySnapshot }>> {
    const visible = this.kernel.config.servers.filter((server) => mayUseServer(principal, server));
    const found = await Promise.all(
      visible.map(async (server) => {
        try {
          let snapshot = await this.supervisor.capabilities(server.id);
          if (!snapshot) {
            await this.supervisor.acquire(server.id, optionsFor(server.id));
            snapshot = await this.supervisor.capabilities(server.id);
          }
          return snapshot && { server, snapshot };
        } catch (error) {
          this.logger.warn({ server: server.id }, `Left out of the aggregated lists: ${errorMessage(error)}`);
          return undefined;
        }
      }),
    );
    return found.filter(
      (entry): entry is { server: ServerDefinition; snapshot: CapabilitySnapshot } => entry !== undefined,
    );
  }

  /** Name maps follow the separator and length limit of the config in force. */
  #maps(): { tools: NameMap; prompts: NameMap } {
    const settings = this.kernel.config.settings;
    const naming = { separator: settings.tool_name_separator, maxLength: settings.max_tool_name_length };
    if (
      !this.#aggregated ||
      this.#naming?.separator !== naming.separator ||
      this.#naming.maxLength !== naming.maxLength
    ) {
      this.#naming = naming;
      const report = (kind: "tool" | "prompt") => (change: NameChange) =>
        this.logger[change.reason === "clash" ? "warn" : "info"](
          { server: change.server },
          describeNameChange(kind, change, naming.maxLength),
        );
      this.#aggregated = { tools: new NameMap(naming, report("tool")), prompts: new NameMap(naming, report("prompt")) };
    }
    return this.#aggregated;
  }
}

function listed(kind: ListKind, server: string, item: RawObject): ListedItem {
  const original = kind === "resources" ? item.uri : kind === "resourceTemplates" ? item.uriTemplate : item.name;
  return { server, original: String(original), item: { ...item } };
}

/** RFC 6570 level 1-2 matching, enough for routing: `{var}` is one path segment, `{+var}` / `{#var}` anything. */
export function matchesTemplate(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) => {
      if (!part.startsWith("{")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return /^\{[+#]/.test(part) ? ".*" : "[^/?#]*";
    })
    .join("");
  return new RegExp(`^${pattern}$`).test(uri);
}
