import type { GatewayMetrics } from "open-mcp-gateway";
import type { ClusterRouting } from "./ClusterRouting.js";

/** The cluster's counters as Prometheus metrics (`GET /metrics` of the stats plugin), read at each scrape. */
export function addClusterMetrics(metrics: GatewayMetrics, routing: ClusterRouting): void {
  const counter = (name: string, help: string, value: () => number) =>
    metrics.add({ name, help, type: "counter", samples: () => [{ value: value() }] });
  counter(
    "mcpgw_cluster_forwarded_total",
    "Requests relayed in one hop to the replica that owns their session",
    () => routing.counters.forwarded,
  );
  counter(
    "mcpgw_cluster_adopted_total",
    "Sessions whose owner replica was gone, taken over here under the same id",
    () => routing.counters.adopted,
  );
  counter(
    "mcpgw_cluster_owner_gone_total",
    "Requests for a session whose owner replica was gone and that could not move: answered 404",
    () => routing.counters.ownerGone,
  );
  counter(
    "mcpgw_cluster_rejected_total",
    "Session ids that are not this cluster's tokens, or not the caller's: answered 404",
    () => routing.counters.rejected,
  );
  metrics.add({
    name: "mcpgw_cluster_forward_seconds",
    help: "Time from relaying a request to its owner replica to the owner's answer headers",
    type: "histogram",
    samples: () => [{ histogram: routing.forwardSeconds }],
  });
}
