import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { SHUTDOWN_DEADLINE_MS } from "../../src/cli/main.js";
import { repoRoot } from "../helpers/files.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";

type Manifest = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  ConfigMap,
  Deployment,
  HorizontalPodAutoscaler,
  NetworkPolicy,
  PodDisruptionBudget,
  Service,
};

/** What `kubectl kustomize` renders (kubectl ships Kustomize; nothing here talks to a cluster). */
function render(dir: string): Manifest[] {
  const text = execFileSync("kubectl", ["kustomize", path.join(repoRoot, "deploy", "kubernetes", dir)], {
    encoding: "utf8",
  });
  return parseAllDocuments(text).map((document) => document.toJS() as Manifest);
}

const find = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name)!;

for (const dir of ["base", "overlays/redis"]) {
  test(`deploy/kubernetes/${dir} renders, every object validates, and the gateway's invariants hold`, async (t) => {
    const manifests = render(dir);
    for (const manifest of manifests) {
      const Model = MODELS[manifest.kind];
      assert.ok(Model, `no schema check for ${manifest.kind}`);
      assert.doesNotThrow(() => new Model(manifest).validate(), `${manifest.kind}/${manifest.metadata.name}`);
    }
    const deployment = find(manifests, "Deployment", "mcpgw");
    const pod = deployment.spec.template;
    const labels = pod.metadata.labels as Record<string, string>;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    assert.ok(selects(find(manifests, "PodDisruptionBudget", "mcpgw").spec.selector.matchLabels));
    assert.ok(selects(find(manifests, "Service", "mcpgw").spec.selector));
    const peers = find(manifests, "Service", "mcpgw-peers").spec;
    assert.ok(selects(peers.selector) && peers.clusterIP === "None" && peers.publishNotReadyAddresses);
    assert.ok(selects(find(manifests, "NetworkPolicy", "mcpgw").spec.podSelector.matchLabels));
    // The kubelet's SIGKILL must come after the gateway's own shutdown deadline.
    assert.ok(pod.spec.terminationGracePeriodSeconds > SHUTDOWN_DEADLINE_MS / 1000);
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);

    const [container] = pod.spec.containers;
    assert.equal(container.readinessProbe.httpGet.path, "/ready");
    assert.equal(container.livenessProbe.httpGet.path, "/health");
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
      assert.deepEqual(probe.httpGet.httpHeaders, [{ name: "Host", value: "localhost" }], "the gateway checks Host");
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.ok(container.volumeMounts.every((mount: { subPath?: string }) => mount.subPath === undefined));
    for (const { name, value, valueFrom } of container.env as Array<{ name: string; value?: string; valueFrom?: any }>)
      if (/SECRET|KEY/.test(name)) assert.ok(value === undefined && valueFrom.secretKeyRef, `${name} from a Secret`);
    for (const manifest of manifests.filter((candidate) => candidate.kind === "Deployment"))
      for (const { image } of manifest.spec.template.spec.containers as Array<{ image: string }>) {
        assert.match(image, /:[\w.-]+$/, `${image} is pinned`);
        assert.doesNotMatch(image, /:latest$/);
      }

    // The ConfigMap's config is valid for the gateway, with what the pod's env provides.
    const config = find(manifests, "ConfigMap", "mcpgw").data!["mcpgw.config.yaml"]!;
    const env: Record<string, string> = {
      POD_NAME: "mcpgw-0",
      POD_IP: "10.0.0.7",
      MCPGW_SESSION_SECRET: "0123456789abcdef0123456789abcdef",
      MCP_GATEWAY_API_KEY: "a-key-of-sixteen-chars",
    };
    const redisUrl = container.env.find((variable: { name: string }) => variable.name === "REDIS_URL")?.value;
    if (redisUrl) env.REDIS_URL = redisUrl;
    const loaded = await loadTestGateway(t, config, { env, mode: "inspect" });
    assert.deepEqual(errorsOf(loaded), []);
    assert.equal(
      (loaded.config!.settings.cluster as { redis_url: string }).redis_url,
      dir === "base" ? "" : "redis://mcpgw-redis:6379",
    );
  });
}
