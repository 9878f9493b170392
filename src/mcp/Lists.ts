import type { ServerDefinition } from "../config/model.js";
import { errorMessage } from "../kernel/errors.js";
import { BackendError } from "../protocol/BackendError.js";
import type { Principal } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import { mayUseServer } from "../services/auth.js";
import { collectPages, MAX_LIST_ITEMS, pageOf } from "../protocol/pages.js";
import type { CapabilitySnapshot } from "../supervisor/CapabilityCache.js";
import type { AcquireOptions, Supervisor } from "../supervisor/Supervisor.js";
import type { RequestHooks } from "./hooks.js";
import {
  describeUriClash,
  distinctUri,
  indexResources,
  mapResultUris,
  plainHolder,
  resultUris,
  splitDistinctUri,
  type ResourceIndex,
  type ReturnedUris,
} from "./resourceUris.js";
import { describeNameChange, mayBeExposedBy, NameMap, type NameChange } from "./toolNames.js";
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

/** Where a resource URI a client sent goes: the server, and the URI as that server knows it. */
export interface ResourceRoute {
  readonly server: string;
  readonly uri: string;
}

type Snapshots = Array<{ server: ServerDefinition; snapshot: CapabilitySnapshot }>;

/** Whose servers' snapshots, and which of the servers without one to start for them. */
interface SnapshotSelection {
  readonly optionsFor?: OptionsFor;
  readonly principal?: Principal;
  readonly start?: (server: ServerDefinition) => boolean;
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
 * `<prefix><separator><name>`, resource URIs and templates unchanged unless another server's hold
 * them (then `mcpgw://<server>/<uri>`, see resourceUris.ts). The way back from an exposed name or
 * URI to its server and original is here too.
 */
export class Lists {
  #aggregated?: { tools: NameMap; prompts: NameMap };
  #naming?: { separator: string; maxLength: number };
  /** One-server endpoints: the listed name of each tool or prompt → the backend's own name, per server. */
  readonly #direct = { tools: new Map<string, Map<string, string>>(), prompts: new Map<string, Map<string, string>>() };
  /** The resource index of the last set of snapshots it was built from (snapshots are replaced, never changed). */
  /** The resource index per set of visible servers (every server: key "*"), rebuilt when a snapshot changes. */
  readonly #indexes = new Map<string, { from: readonly CapabilitySnapshot[]; index: ResourceIndex }>();
  readonly #reportedClashes = new Set<string>();

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
    sources: ListSources & { cursor?: string; start?: (server: ServerDefinition) => boolean },
  ): Promise<{ items: RawObject[]; nextCursor?: string }> {
    const { gathered, nextCursor } =
      context.server === undefined
        ? {
            gathered: await this.#fromCache(context.kind, {
              optionsFor: sources.optionsFor,
              principal: context.principal,
              ...(sources.start && { start: sources.start }),
            }),
          }
        : await this.#live(context.kind, context.server, sources.send, sources.cursor, sources.onePage);
    const listed = await this.hooks.list.promise(gathered, context);
    const items =
      context.server === undefined && (context.kind === "resources" || context.kind === "resourceTemplates")
        ? this.#exposeResources(context.kind, listed, await this.#resourceIndex(context.principal))
        : this.#expose(context, listed, sources.cursor === undefined && !sources.onePage);
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }

  /**
   * The server and original name behind a tool or prompt name a client sent. Aggregated, the list
   * is read again on a miss (a client may call without listing), from the capability cache: of the
   * servers that never ran, only one whose prefix the name begins with is started, so an unknown
   * name starts nothing. One server's names need no list to be called, so a miss there is
   * undefined and the name goes to the backend as sent.
   */
  async route(
    kind: "tools" | "prompts",
    exposed: string,
    context: ListContext,
    sources: ListSources,
  ): Promise<Route | undefined> {
    const known = this.#resolve(kind, exposed, context.server);
    if (context.server !== undefined) return known;
    if (known && this.#configured(known.server)) return known;
    const naming = this.#namingOptions();
    await this.list(
      { ...context, kind },
      { ...sources, onePage: false, start: (server) => mayBeExposedBy(server.tool_prefix, exposed, naming) },
    );
    const found = this.#resolve(kind, exposed, context.server);
    // A name of a server a reload removed is an unknown name, as it would be after a restart.
    if (found && this.#configured(found.server)) return found;
    // A server that cannot start lists nothing: a name with its prefix gets its reason, not "Unknown tool".
    const unavailable = this.kernel.config.servers.find(
      (server) =>
        server.unavailable !== undefined &&
        mayUseServer(context.principal, server) &&
        mayBeExposedBy(server.tool_prefix, exposed, naming),
    );
    if (unavailable) throw new BackendError("MCPGW_ERR_SERVER_START", unavailable.id, unavailable.unavailable!);
    return undefined;
  }

  #configured(server: string): boolean {
    return this.kernel.config.servers.some((definition) => definition.id === server);
  }

  /**
   * Where a resource URI a client sent on the aggregated endpoint goes: a URI a server lists (the
   * first in config order), a distinct `mcpgw://<server>/<uri>`, the first server with a template
   * that matches, then a URI a server returned to this session. Read from the capability cache: an
   * unknown URI starts no server, except the one a distinct URI names. Only the servers `principal`
   * may use count: a key limited to some servers reads theirs under their own URIs.
   */
  async routeResource(
    uri: string,
    returned: ReturnedUris | undefined,
    principal: Principal,
  ): Promise<ResourceRoute | undefined> {
    const index = await this.#resourceIndex(principal);
    const listedBy = index.uris.get(uri);
    if (listedBy !== undefined) return { server: listedBy, uri };
    const distinct = splitDistinctUri(uri);
    if (distinct && this.kernel.config.servers.some((server) => server.id === distinct.server)) return distinct;
    const server = plainHolder(index, uri) ?? returned?.serverOf(uri);
    return server === undefined ? undefined : { server, uri };
  }

  /**
   * A result of `server` as an aggregated session receives it: every resource URI in it (links,
   * embedded resources, read contents) in its exposed form, so a later read goes back to `server`.
   * A URI no list or template claims is remembered for the session, plain unless another server
   * returned it to the session first.
   */
  async exposeReturned(
    server: string,
    method: string,
    result: RawObject,
    returned: ReturnedUris,
    principal: Principal,
  ): Promise<RawObject> {
    if (resultUris(method, result).length === 0) return result;
    const index = await this.#resourceIndex(principal);
    return mapResultUris(method, result, (uri) => {
      const holder = plainHolder(index, uri);
      if (holder !== undefined) return holder === server ? uri : distinctUri(server, uri);
      const returnedBy = returned.serverOf(uri);
      if (returnedBy !== undefined && returnedBy !== server) return distinctUri(server, uri);
      returned.remember(uri, server);
      return uri;
    });
  }

  #resolve(kind: "tools" | "prompts", exposed: string, server: string | undefined): Route | undefined {
    if (server === undefined) return this.#maps()[kind].resolve(exposed);
    const name = this.#direct[kind].get(server)?.get(exposed);
    return name === undefined ? undefined : { server, name };
  }

  async #fromCache(kind: ListKind, which: SnapshotSelection): Promise<ListedItem[]> {
    const field = SNAPSHOT_FIELD[kind];
    return (await this.#snapshots(which)).flatMap(({ server, snapshot }) =>
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
   * The snapshot of every server `principal` may use (every server without one), in config order;
   * servers with none are started (in parallel, those `start` accepts, all by default; none without
   * `optionsFor`) and read; failures are logged and left out. Servers hidden from it are never started.
   */
  async #snapshots({ optionsFor, principal, start = () => true }: SnapshotSelection = {}): Promise<Snapshots> {
    const visible = this.kernel.config.servers.filter(
      (server) => principal === undefined || mayUseServer(principal, server),
    );
    const found = await Promise.all(
      visible.map(async (server) => {
        try {
          let snapshot = await this.supervisor.capabilities(server.id);
          // An unavailable server (an unset variable) was reported at load; each list need not repeat it.
          if (!snapshot && optionsFor && start(server) && server.unavailable === undefined) {
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

  /**
   * The resource index of the cached snapshots of the servers `principal` may use (nothing is started
   * for it); each new clash is logged once.
   */
  async #resourceIndex(principal: Principal): Promise<ResourceIndex> {
    const snapshots = await this.#snapshots({ principal });
    const from = snapshots.map(({ snapshot }) => snapshot);
    const visible = principal.servers === undefined ? "*" : principal.servers.join("\u0000");
    const known = this.#indexes.get(visible);
    if (known?.from.length === from.length && known.from.every((snapshot, at) => snapshot === from[at]))
      return known.index;
    const index = indexResources(from);
    for (const clash of index.clashes) {
      const key = `${clash.kind}\u0000${clash.server}\u0000${clash.original}`;
      if (this.#reportedClashes.has(key)) continue;
      this.#reportedClashes.add(key);
      this.logger.warn({ server: clash.server }, describeUriClash(clash));
    }
    this.#indexes.set(visible, { from, index });
    return index;
  }

  /** Aggregated resources and templates: unchanged, unless another server's hold the same URI or template. */
  #exposeResources(
    kind: "resources" | "resourceTemplates",
    entries: readonly ListedItem[],
    index: ResourceIndex,
  ): RawObject[] {
    const [holders, field] = kind === "resources" ? [index.uris, "uri"] : [index.templates, "uriTemplate"];
    return entries.map(({ server, original, item }) => {
      const holder = holders.get(original);
      return holder === undefined || holder === server ? item : { ...item, [field]: distinctUri(server, original) };
    });
  }

  #namingOptions(): { separator: string; maxLength: number } {
    const settings = this.kernel.config.settings;
    return { separator: settings.tool_name_separator, maxLength: settings.max_tool_name_length };
  }

  /** Name maps follow the separator and length limit of the config in force. */
  #maps(): { tools: NameMap; prompts: NameMap } {
    const naming = this.#namingOptions();
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
