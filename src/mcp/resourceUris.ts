/**
 * Resource URIs on the aggregated endpoints. A URI only one server serves stays as it is; one that
 * another server's URI already holds (first in config order keeps it, as with tool names) is exposed
 * as `mcpgw://<server id>/<the server's own URI>`: distinct, stable across restarts, and routable
 * without any memory, since it names its server.
 */
const DISTINCT_SCHEME = "mcpgw://";

/** How many URIs a session remembers from results (its servers' resource links); the oldest are forgotten first. */
export const RETURNED_URIS_LIMIT = 1_000;
/** Longer URIs (data stuffed into a URI) are not remembered, so the memory stays bounded in bytes too. */
export const RETURNED_URI_MAX_LENGTH = 4_096;

export function distinctUri(server: string, uri: string): string {
  return `${DISTINCT_SCHEME}${server}/${uri}`;
}

/** The server and its own URI behind a distinct URI, if `uri` has that form (whether the server exists is the caller's to check). */
export function splitDistinctUri(uri: string): { server: string; uri: string } | undefined {
  if (!uri.startsWith(DISTINCT_SCHEME)) return undefined;
  const slash = uri.indexOf("/", DISTINCT_SCHEME.length);
  if (slash <= DISTINCT_SCHEME.length) return undefined;
  return { server: uri.slice(DISTINCT_SCHEME.length, slash), uri: uri.slice(slash + 1) };
}

/**
 * The URIs a session's servers returned in results (resource links, embedded resources) that no
 * list or template claims, and which server returned each, so the session can read them. Bounded:
 * past RETURNED_URIS_LIMIT the least recently used is forgotten.
 */
export class ReturnedUris {
  readonly #servers = new Map<string, string>();

  constructor(private readonly limit = RETURNED_URIS_LIMIT) {}

  serverOf(uri: string): string | undefined {
    const server = this.#servers.get(uri);
    if (server !== undefined) {
      this.#servers.delete(uri);
      this.#servers.set(uri, server);
    }
    return server;
  }

  remember(uri: string, server: string): void {
    if (uri.length > RETURNED_URI_MAX_LENGTH) return;
    this.#servers.delete(uri);
    this.#servers.set(uri, server);
    if (this.#servers.size > this.limit) this.#servers.delete(this.#servers.keys().next().value!);
  }
}

type RawObject = Record<string, unknown>;

/** Which server holds the plain form of each listed URI and URI template: the first in config order that lists it. */
export interface ResourceIndex {
  readonly uris: ReadonlyMap<string, string>;
  readonly templates: ReadonlyMap<string, string>;
  /** Every server's templates in config order, for matching. */
  readonly matchers: ReadonlyArray<{ readonly server: string; readonly pattern: RegExp }>;
  /** Each URI or template a server lists that another server's holds: it is exposed in its distinct form. */
  readonly clashes: readonly UriClash[];
}

export interface UriClash {
  readonly kind: "resource" | "resource template";
  readonly server: string;
  readonly original: string;
  readonly exposed: string;
  readonly clashesWith: string;
}

/** The index of servers' resource lists, given in config order. */
export function indexResources(
  lists: ReadonlyArray<{
    readonly server: string;
    readonly resources: readonly RawObject[];
    readonly resource_templates: readonly RawObject[];
  }>,
): ResourceIndex {
  const uris = new Map<string, string>();
  const templates = new Map<string, string>();
  const matchers: Array<{ server: string; pattern: RegExp }> = [];
  const clashes: UriClash[] = [];
  const hold = (holders: Map<string, string>, kind: UriClash["kind"], server: string, original: string) => {
    const holder = holders.get(original);
    if (holder === undefined) holders.set(original, server);
    else if (holder !== server)
      clashes.push({ kind, server, original, exposed: distinctUri(server, original), clashesWith: holder });
  };
  for (const { server, resources, resource_templates } of lists) {
    for (const resource of resources) hold(uris, "resource", server, String(resource.uri));
    for (const item of resource_templates) {
      hold(templates, "resource template", server, String(item.uriTemplate));
      matchers.push({ server, pattern: templatePattern(String(item.uriTemplate)) });
    }
  }
  return { uris, templates, matchers, clashes };
}

/**
 * The server a plain URI (not in the distinct form) belongs to: the first in config order that lists
 * it, else the first with a template that matches it; undefined if none claims it.
 */
export function plainHolder(index: ResourceIndex, uri: string): string | undefined {
  return index.uris.get(uri) ?? index.matchers.find(({ pattern }) => pattern.test(uri))?.server;
}

/** RFC 6570 level 1-2 matching, enough for routing: `{var}` is one path segment, `{+var}` / `{#var}` anything. */
function templatePattern(template: string): RegExp {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) => {
      if (!part.startsWith("{")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return /^\{[+#]/.test(part) ? ".*" : "[^/?#]*";
    })
    .join("");
  return new RegExp(`^${pattern}$`);
}

/** How a URI clash reads in logs, `mcpgw servers` and `validate`. */
export function describeUriClash(clash: UriClash): string {
  const kind = clash.kind === "resource" ? "Resource" : "Resource template";
  return `${kind} '${clash.original}' of server '${clash.server}' is listed as '${clash.exposed}' on the aggregated endpoints: server '${clash.clashesWith}' lists the same ${clash.kind === "resource" ? "URI" : "template"}`;
}

/**
 * Every resource URI a result carries: `resource_link` and embedded `resource` content of tools/call
 * and of prompts/get messages, and the contents of resources/read. `map` gives each its exposed form;
 * the result is copied only where something changed.
 */
export function mapResultUris(method: string, result: RawObject, map: (uri: string) => string): RawObject {
  const content = (items: unknown): unknown => mapArray(items, (item) => mapContent(item, map));
  switch (method) {
    case "tools/call":
      return replaced(result, "content", content(result.content));
    case "prompts/get":
      return replaced(
        result,
        "messages",
        mapArray(result.messages, (message) => replaced(message, "content", mapContent(message.content, map))),
      );
    case "resources/read":
      return replaced(
        result,
        "contents",
        mapArray(result.contents, (item) => mapUri(item, map)),
      );
    default:
      return result;
  }
}

/** The URIs `mapResultUris` would map, without copying anything. */
export function resultUris(method: string, result: RawObject): string[] {
  const found: string[] = [];
  mapResultUris(method, result, (uri) => {
    found.push(uri);
    return uri;
  });
  return found;
}

function mapContent(item: unknown, map: (uri: string) => string): unknown {
  if (!isObject(item)) return item;
  if (item.type === "resource_link") return mapUri(item, map);
  if (item.type === "resource" && isObject(item.resource))
    return replaced(item, "resource", mapUri(item.resource, map));
  return item;
}

function mapUri(item: unknown, map: (uri: string) => string): unknown {
  return isObject(item) && typeof item.uri === "string" ? replaced(item, "uri", map(item.uri)) : item;
}

function mapArray(items: unknown, map: (item: RawObject) => unknown): unknown {
  if (!Array.isArray(items)) return items;
  const mapped = items.map((item: unknown) => (isObject(item) ? map(item) : item));
  return mapped.every((item, index) => item === items[index]) ? items : mapped;
}

function replaced<T>(object: T, field: string, value: unknown): T {
  if (!isObject(object) || object[field] === value) return object;
  return { ...object, [field]: value } as T;
}

function isObject(value: unknown): value is RawObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
