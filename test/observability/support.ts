// Shared pieces of the observability tests: the stats fixture, admin GETs, /metrics parsed by a Prometheus text parser.
import assert from "node:assert/strict";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { repoRoot } from "../helpers/files.js";

export const STATS_FIXTURE = path.join(repoRoot, "dist", "test", "fixtures", "servers", "stats-server.js");

export async function getJson(url: string, key: string): Promise<any> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200, `GET ${url}: ${response.status}`);
  return response.json();
}

export interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}

/** GET /metrics, checked for the Prometheus content type and parsed (the parser throws on any malformed line). */
export async function scrape(base: string, key: string): Promise<{ families: Map<string, Family>; text: string }> {
  const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const families = new Map((parsePrometheusTextFormat(text) as Family[]).map((family) => [family.name, family]));
  return { families, text };
}

/** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
export function sample(families: Map<string, Family>, name: string, labels: Record<string, string>): number {
  const family = families.get(name);
  assert.ok(family, `${name} is exposed`);
  const matches = family.metrics.filter((metric) =>
    Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
  );
  return matches.reduce((sum, metric) => sum + Number(metric.value), 0);
}

/** Calls a tool and returns how it ended: "ok", "tool_error", or the JSON-RPC error message. */
export async function call(client: Client, name: string, timeout = 20_000): Promise<string> {
  try {
    const result = await client.callTool({ name, arguments: {} }, undefined, { timeout });
    return result.isError ? "tool_error" : "ok";
  } catch (error) {
    return (error as Error).message;
  }
}
