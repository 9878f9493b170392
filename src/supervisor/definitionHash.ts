import { createHash } from "node:crypto";
import type { ServerDefinition } from "../config/model.js";

/**
 * A stable hash of everything that shapes a server's behaviour: the definition without `origin`
 * (moving an entry between files changes nothing), with keys sorted so order does not matter.
 */
export function definitionHash(server: ServerDefinition): string {
  const { origin: _origin, ...definition } = server;
  return createHash("sha256").update(canonicalJson(definition)).digest("hex").slice(0, 32);
}

/**
 * What a running backend was started from: its runtime, environment, isolation and roots. A
 * change elsewhere in an entry (tool filters, names, tags, timeouts) applies without a restart.
 */
export function backendDefinition(server: ServerDefinition): string {
  const { runtime, env, isolation, roots } = server;
  return canonicalJson({ runtime, env, isolation, roots });
}

/** JSON with object keys sorted and undefined fields left out: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
