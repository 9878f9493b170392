// The container a server entry becomes, without a Docker Engine: user, mounts, labels, limits.
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { ImageInspectInfo } from "dockerode";
import { containerSpec, effective, NOBODY, type DockerServer } from "../src/containerSpec.js";
import { dockerPluginOptions, dockerRuntimeOptions } from "../src/options.js";

const DEFAULTS = dockerPluginOptions.parse({});

function server(runtime: Record<string, unknown>): DockerServer {
  return {
    id: "spec",
    display_name: "spec",
    tags: [],
    env: { TOKEN: "abc" },
    isolation: "shared",
    tool_prefix: "spec",
    autostart: false,
    origin: { path: ["servers", 0], dir: "/srv/config" },
    runtime: { type: "docker", ...dockerRuntimeOptions.parse({ image: "mcp/time", ...runtime }) },
  };
}

const image = (user: string) => ({ Config: { User: user } }) as unknown as ImageInspectInfo;

test("the user: the entry's, else the image's when it is not root, else nobody", () => {
  const spec = (runtime: Record<string, unknown>, imageUser: string) =>
    containerSpec(server(runtime), effective(server(runtime), DEFAULTS), image(imageUser), {}).User;
  assert.equal(spec({}, ""), NOBODY);
  assert.equal(spec({}, "root"), NOBODY);
  assert.equal(spec({}, "0:0"), NOBODY);
  assert.equal(spec({}, "app"), "app");
  assert.equal(spec({ user: "1000:1000" }, "app"), "1000:1000");
  assert.equal(spec({ user: "root" }, ""), "root");
});

test("volumes: host paths relative to the entry's file, ~ to the home folder, bare names stay named volumes", () => {
  const entry = server({ volumes: ["./data:/data:ro", "/abs:/abs", "~/cache:/cache:ro", "named:/named"] });
  const spec = containerSpec(entry, effective(entry, DEFAULTS), image(""), {});
  assert.deepEqual(spec.HostConfig?.Binds, [
    "/srv/config/data:/data:ro",
    "/abs:/abs",
    `${path.join(os.homedir(), "cache")}:/cache:ro`,
    "named:/named",
  ]);
});

test("plugin-level defaults fill what the entry leaves out; the entry's own values win", () => {
  const defaults = dockerPluginOptions.parse({ network: "bridge", memory: "128m", cpus: 2, pull: "never" });
  const plain = server({});
  assert.deepEqual(effective(plain, defaults), { network: "bridge", pull: "never", memory: "128m", cpus: 2 });
  const own = server({ network: "none", memory: 1_000_000, cpus: 0.25, pull: "always" });
  assert.deepEqual(effective(own, defaults), { network: "none", pull: "always", memory: 1_000_000, cpus: 0.25 });
  const spec = containerSpec(plain, effective(plain, defaults), image(""), {});
  assert.equal(spec.HostConfig?.Memory, 128 * 1024 * 1024);
  assert.equal(spec.HostConfig?.MemorySwap, 128 * 1024 * 1024, "no swap on top of the limit");
  assert.equal(spec.HostConfig?.NanoCpus, 2_000_000_000);
});

test("the entry's labels are kept, the plugin's own cannot be overridden; read_only: false drops the tmpfs", () => {
  const entry = server({ labels: { team: "a", "io.mcpgw.server": "forged" }, read_only: false });
  const spec = containerSpec(entry, effective(entry, DEFAULTS), image(""), { A: "1" });
  assert.equal(spec.Labels?.team, "a");
  assert.equal(spec.Labels?.["io.mcpgw.server"], "spec");
  assert.equal(spec.Labels?.["io.mcpgw.gateway"]?.split(":")[0], String(process.pid));
  assert.equal(spec.HostConfig?.ReadonlyRootfs, false);
  assert.equal(spec.HostConfig?.Tmpfs, undefined);
  assert.deepEqual(spec.Env, ["A=1"]);
  assert.match(spec.name!, /^mcpgw-spec-[0-9a-f]{8}$/);
});
