import type { CapabilityLists } from "./CapabilityCache.js";
import type { GatewayClient } from "./GatewayClient.js";

type RawObject = Record<string, unknown>;
/** A backend that keeps handing out cursors is cut off here rather than looping forever. */
const MAX_PAGES = 1_000;

export type ListKind = keyof CapabilityLists;

const LISTS: Record<ListKind, { method: string; field: string; capability: string }> = {
  tools: { method: "tools/list", field: "tools", capability: "tools" },
  prompts: { method: "prompts/list", field: "prompts", capability: "prompts" },
  resources: { method: "resources/list", field: "resources", capability: "resources" },
  resource_templates: { method: "resources/templates/list", field: "resourceTemplates", capability: "resources" },
};

/** Which list a `notifications/<kind>/list_changed` invalidates (a resources change covers the templates too). */
export const LIST_CHANGED: Readonly<Record<string, readonly ListKind[]>> = {
  "notifications/tools/list_changed": ["tools"],
  "notifications/prompts/list_changed": ["prompts"],
  "notifications/resources/list_changed": ["resources", "resource_templates"],
};

/**
 * Walks every page of one list. Results are parsed with the SDK's loose ResultSchema, not the
 * strict list schemas, which would drop fields this SDK version does not know.
 */
export async function fetchList(client: GatewayClient, kind: ListKind, timeoutMs: number): Promise<RawObject[]> {
  const { method, field, capability } = LISTS[kind];
  if (!(client.getServerCapabilities() as RawObject | undefined)?.[capability]) return [];
  const items: RawObject[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.requestAsSent(
      { method, params: cursor === undefined ? {} : { cursor } },
      { timeout: timeoutMs },
    );
    const listed = (result as RawObject)[field];
    if (Array.isArray(listed)) items.push(...(listed as RawObject[]));
    cursor = typeof result.nextCursor === "string" && result.nextCursor !== "" ? result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  return items;
}

export async function fetchAllLists(client: GatewayClient, timeoutMs: number): Promise<CapabilityLists> {
  const [tools, prompts, resources, resource_templates] = await Promise.all(
    (["tools", "prompts", "resources", "resource_templates"] as const).map((kind) =>
      fetchList(client, kind, timeoutMs),
    ),
  );
  return { tools: tools!, prompts: prompts!, resources: resources!, resource_templates: resource_templates! };
}
