// deploy/docker/Dockerfile's invariants. Building it here is not possible: its base image comes from
// Docker Hub, which this machine kind cannot reach (only npm and Debian's mirrors).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DockerfileParser, type From, type Instruction } from "dockerfile-ast";
import { parse } from "yaml";
import { repoRoot } from "../helpers/files.js";

const read = (...parts: string[]) => readFileSync(path.join(repoRoot, ...parts), "utf8");

interface Stage {
  readonly name: string | null;
  readonly image: string;
  readonly instructions: Instruction[];
}

/** The Dockerfile's stages, each with its instructions (FROM excluded). */
function stages(): { args: Map<string, string>; stages: Stage[] } {
  const dockerfile = DockerfileParser.parse(read("deploy", "docker", "Dockerfile"));
  const args = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) args.set(property.getName(), property.getValue() ?? "");
  }
  const result: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const from = instruction as From;
      result.push({ name: from.getBuildStage(), image: from.getImage() ?? "", instructions: [] });
    } else if (result.length > 0) result.at(-1)!.instructions.push(instruction);
  }
  return { args, stages: result };
}

const keyword = (stage: Stage, name: string) => stage.instructions.filter((i) => i.getKeyword() === name);
const text = (instruction: Instruction) => instruction.getArgumentsContent() ?? "";

test("the Dockerfile is multi-stage on one pinned Node, production dependencies only, non-root, tini as PID 1", () => {
  const { args, stages: all } = stages();
  assert.ok(all.length >= 2, "multi-stage");
  const final = all.at(-1)!;

  // Every stage on a pinned image, never :latest; the Node default satisfies the package's engines.
  const images = all.map((stage) => stage.image.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? ""));
  for (const image of images) {
    assert.match(image, /^[\w./-]+:[\w.-]+$/, `${image} has a tag`);
    assert.doesNotMatch(image, /:latest$/);
  }
  const [major, minor] = /^node:(\d+)\.(\d+)\.\d+-/.exec(images.at(-1)!)!.slice(1).map(Number) as [number, number];
  const engines = JSON.parse(read("package.json")).engines.node as string;
  const [wantMajor, wantMinor] = /^>=(\d+)\.(\d+)$/.exec(engines)!.slice(1).map(Number) as [number, number];
  assert.ok(major > wantMajor || (major === wantMajor && minor >= wantMinor), `${images.at(-1)} meets ${engines}`);

  // node_modules comes from a stage that installed without devDependencies; the bundle from the build.
  const copies = keyword(final, "COPY").map((copy) => copy.getTextContent());
  const modules = copies.find((copy) => /node_modules/.test(copy));
  const depsStage = /--from=(\S+)/.exec(modules ?? "")?.[1];
  const deps = all.find((stage) => stage.name === depsStage);
  assert.ok(deps, `node_modules copied from a named stage: ${modules}`);
  assert.ok(
    keyword(deps, "RUN").some((run) => /\bnpm ci\b/.test(text(run)) && /--omit=dev/.test(text(run))),
    "npm ci --omit=dev",
  );
  assert.ok(
    copies.some((copy) => /--from=\S+ \S*dist\/bundle/.test(copy)),
    "the bundle from a build stage",
  );
  assert.ok(
    !keyword(final, "RUN").some((run) => /\bnpm (ci|install)\b/.test(text(run))),
    "no install in the final stage",
  );

  // The mcpgw command is the package's bin.
  const bin = JSON.parse(read("package.json")).bin.mcpgw as string;
  assert.ok(
    keyword(final, "RUN").some((run) => text(run).includes(`/app/${bin.replace(/^\.\//, "")} /usr/local/bin/mcpgw`)),
  );

  // tini is installed and is PID 1, in exec form, running mcpgw; the Deployment's args follow it.
  assert.ok(keyword(final, "RUN").some((run) => /apt-get install [^&]*\btini\b/.test(text(run))));
  const [entrypoint] = keyword(final, "ENTRYPOINT");
  assert.deepEqual(JSON.parse(text(entrypoint!)), ["/usr/bin/tini", "--", "mcpgw"]);
  const deployment = parse(read("deploy", "kubernetes", "base", "deployment.yaml"));
  const pod = deployment.spec.template.spec;
  assert.equal(pod.containers[0].args[0], "serve");
  assert.equal(pod.containers[0].command, undefined, "the image's entrypoint (tini) stays");

  // A numeric non-root user, the one the Deployment runs as.
  const users = keyword(final, "USER").map(text);
  assert.equal(users.length, 1);
  const [uid, gid] = users[0]!.split(":").map(Number);
  assert.ok(uid! > 0 && gid! > 0, `USER ${users[0]}`);
  assert.deepEqual([uid, gid], [pod.securityContext.runAsUser, pod.securityContext.runAsGroup]);
  assert.equal(keyword(final, "HEALTHCHECK").length, 0, "Kubernetes probes instead");
});

test(".dockerignore keeps the host's installed and built output out of the build context", () => {
  const ignored = read(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  for (const entry of ["node_modules", "**/node_modules", "dist", ".git"]) assert.ok(ignored.includes(entry), entry);
});
