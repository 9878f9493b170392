import type { Logger } from "../kernel/logger.js";
import { collectPages, MAX_LIST_ITEMS, pageOf } from "../protocol/pages.js";
import type { CapabilityLists } from "./CapabilityCache.js";
import type { GatewayClient } from "./GatewayClient.js";

type RawObject = Record<string, unknown>;

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
 * Every page of one list (up to MAX_LIST_ITEMS items, logged when cut). Results are parsed with the
 * SDK's loose ResultSchema, not the strict list schemas, which would drop fields this SDK version does
 * not know.
 */
export async function fetchList(
  client: GatewayClient,
  kind: ListKind,
  timeoutMs: number,
  logger: Logger,
): Promise<RawObject[]> {
  const { method, field, capability } = LISTS[kind];
  if (!(client.getServerCapabilities() as RawObject | undefined)?.[capability]) return [];
  const { items, truncated } = await collectPages(async (cursor) =>
    pageOf(
      await client.requestAsSent({ method, params: cursor === undefined ? {} : { cursor } }, { timeout: timeoutMs }),
      field,
    ),
  );
  if (truncated) logger.warn(`${method}: the list is cut at ${MAX_LIST_ITEMS} items; the backend had more pages`);
  return items;
}

export async function fetchAllLists(
  client: GatewayClient,
  timeoutMs: number,
  logger: Logger,
): Promise<CapabilityLists> {
  const [tools, prompts, resources, resource_templates] = await Promise.all(
    (["tools", "prompts", "resources", "resource_templates"] as const).map((kind) =>
      fetchList(client, kind, timeoutMs, logger),
    ),
  );
  return { tools: tools!, prompts: prompts!, resources: resources!, resource_templates: resource_templates! };
}
