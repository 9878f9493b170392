import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { gatewayTokens, Histogram, isGatewayError } from "../../src/index.js";
import { startHttpGateway } from "../http/support.js";
import { getJson, sample, scrape, type Family } from "./support.js";

const KEY = "ops-key-0123456789abcdef";

test("a plugin's metric families (counter, histogram) and /stats section are shown, read at each request", async (t) => {
  const gateway = await startHttpGateway(t, { api_keys: [{ name: "ops", key: KEY }], servers: [] });
  const metrics = gateway.kernel.container.resolve(gatewayTokens.metrics);
  let hits = 0;
  const latency = new Histogram([0.01, 0.1]);
  metrics.add({
    name: "mcpgw_example_hits_total",
    help: "Hits",
    type: "counter",
    samples: () => [{ labels: { kind: "a" }, value: hits }],
  });
  metrics.add({
    name: "mcpgw_example_seconds",
    help: "Latency",
    type: "histogram",
    samples: () => [{ histogram: latency }],
  });
  metrics.section("example", () => ({ hits }));
  // A plugin's family may not take over one of the gateway's own names.
  metrics.add({ name: "mcpgw_reloads_total", help: "Not the real one", type: "gauge", samples: () => [{ value: -1 }] });
  assert.throws(
    () => metrics.add({ name: "not a name", help: "", type: "gauge", samples: () => [] }),
    (error) => isGatewayError(error) && error.code === "MCPGW_ERR_PLUGIN_INVALID" && /not a name/.test(error.message),
  );

  hits = 2;
  latency.observe(0.005);
  latency.observe(0.05);
  latency.observe(3);
  const { families } = await scrape(gateway.base, KEY);
  assert.equal(sample(families, "mcpgw_example_hits_total", { kind: "a" }), 2);
  const histogram = families.get("mcpgw_example_seconds") as Family & {
    metrics: Array<{ buckets: Record<string, string>; count: string; sum: string }>;
  };
  assert.equal(histogram.type, "HISTOGRAM");
  assert.deepEqual(histogram.metrics[0]!.buckets, { "0.01": "1", "0.1": "2", "+Inf": "3" });
  assert.equal(Number(histogram.metrics[0]!.count), 3);
  assert.equal(families.get("mcpgw_reloads_total")!.type, "COUNTER", "the gateway's own metric stays");
  assert.deepEqual((await getJson(`${gateway.base}/stats`, KEY)).example, { hits: 2 });

  // Added again (a plugin setting up again on reload): the new family and section replace the old.
  metrics.add({
    name: "mcpgw_example_hits_total",
    help: "Hits",
    type: "counter",
    samples: () => [{ labels: { kind: "b" }, value: 7 }],
  });
  metrics.section("example", () => ({ hits: 7 }));
  const again = (await scrape(gateway.base, KEY)).families;
  assert.equal(sample(again, "mcpgw_example_hits_total", { kind: "b" }), 7);
  assert.equal(sample(again, "mcpgw_example_hits_total", { kind: "a" }), 0);
  assert.deepEqual((await getJson(`${gateway.base}/stats`, KEY)).example, { hits: 7 });
});
