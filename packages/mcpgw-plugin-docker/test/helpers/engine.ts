// A private Docker Engine for the tests, shared by every test process of a run: started on first
// use (installing docker.io with apt-get when dockerd is missing), stopped by its pid when the last
// process using it is done. It never touches the host's own daemon: its own socket, data root and
// exec root, no bridge, no iptables (containers run with network none). The test image (node, the
// libraries it links, the fixture server) is imported once and kept in the data root under
// os.tmpdir(), tagged by a hash of what went into it.
import { execFile, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { repoRoot } from "../../../../test/helpers/files.js";

const run = promisify(execFile);
const ROOT = path.join(os.tmpdir(), "mcpgw-dockerd");
const SOCKET = path.join(ROOT, "docker.sock");
const PIDFILE = path.join(ROOT, "dockerd.pid");
const LOCK = path.join(ROOT, "lock");
const USERS = path.join(ROOT, "users");
/** Changed whenever ensureImage builds the image differently, so a cached image of the old recipe is not used. */
const IMAGE_RECIPE = "2";
export const FIXTURE = path.join(repoRoot, "packages", "mcpgw-plugin-docker", "test", "fixtures", "mcp-server.mjs");

export interface TestEngine {
  /** `unix:///…/docker.sock`, what DOCKER_HOST or the plugin's `host` takes. */
  readonly host: string;
  readonly socket: string;
  readonly docker: Docker;
  /** The fixture image: its entrypoint runs the fixture server with node. */
  readonly image: string;
}

type TestContext = { after(fn: () => unknown): void };

/** The shared engine and the test image; released when the test (or suite scope) ends. */
export async function testEngine(t: TestContext): Promise<TestEngine> {
  mkdirSync(USERS, { recursive: true });
  const user = path.join(USERS, String(process.pid));
  await locked(async () => {
    ensureDockerd();
    if (!(await alive())) await startDaemon();
    writeFileSync(user, "");
  });
  t.after(() => release(user));
  const docker = new Docker({ socketPath: SOCKET, host: undefined });
  const image = await locked(() => ensureImage(docker));
  return { host: `unix://${SOCKET}`, socket: SOCKET, docker, image };
}

/** Containers carrying the plugin's labels (io.mcpgw.managed), running or not. */
export async function labelledContainers(engine: TestEngine): Promise<Docker.ContainerInfo[]> {
  return engine.docker.listContainers({ all: true, filters: { label: ["io.mcpgw.managed=true"] } });
}

async function release(user: string): Promise<void> {
  await locked(async () => {
    rmSync(user, { force: true });
    const others = readdirSync(USERS).filter((pid) => isAlive(Number(pid)));
    if (others.length > 0) return;
    const pid = daemonPid();
    if (pid === undefined) return;
    process.kill(pid, "SIGTERM");
    if (!(await exits(pid, 20_000))) {
      process.kill(pid, "SIGKILL");
      await exits(pid, 5_000);
    }
    rmSync(PIDFILE, { force: true });
  });
}

function ensureDockerd(): void {
  if (which("dockerd")) return;
  if (process.getuid?.() !== 0)
    throw new Error("dockerd is not installed and the tests do not run as root: install docker.io (Debian) first");
  const install = spawnSync("apt-get", ["install", "-y", "docker.io"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    timeout: 10 * 60_000,
  });
  if (install.status !== 0 || !which("dockerd"))
    throw new Error(`Docker cannot run here: apt-get install -y docker.io failed: ${String(install.stderr).trim()}`);
}

async function startDaemon(): Promise<void> {
  rmSync(SOCKET, { force: true });
  const log = path.join(ROOT, "dockerd.log");
  const out = openSync(log, "w");
  const daemon = spawn(
    which("dockerd")!,
    [
      "--data-root",
      path.join(ROOT, "data"),
      "--exec-root",
      path.join(ROOT, "x"),
      "-H",
      `unix://${SOCKET}`,
      "--storage-driver",
      "vfs",
      "--iptables=false",
      "--ip-masq=false",
      "--bridge=none",
      "--pidfile",
      PIDFILE,
    ],
    { detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  daemon.unref();
  let exited = false;
  daemon.once("exit", () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!(await alive())) {
    if (exited || Date.now() > deadline) {
      if (!exited) daemon.kill("SIGKILL");
      throw new Error(
        `Docker cannot run here: the test dockerd did not come up; its log (${log}):\n${readFileSync(log, "utf8").slice(-2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ensureImage(docker: Docker): Promise<string> {
  const node = process.execPath;
  const libraries = linkedLibraries(node);
  const hash = createHash("sha256").update(IMAGE_RECIPE);
  for (const file of [node, ...libraries]) hash.update(`${file}:${statSync(file).size}:${statSync(file).mtimeMs}\n`);
  hash.update(readFileSync(FIXTURE));
  const image = `mcpgw-test/node-fixture:${hash.digest("hex").slice(0, 12)}`;
  try {
    await docker.getImage(image).inspect();
    return image;
  } catch {
    // not there yet: build it
  }
  const rootfs = path.join(ROOT, "rootfs");
  rmSync(rootfs, { recursive: true, force: true });
  for (const file of [node, ...libraries]) {
    mkdirSync(path.join(rootfs, path.dirname(file)), { recursive: true });
    copyFileSync(file, path.join(rootfs, file));
  }
  mkdirSync(path.join(rootfs, "app"), { recursive: true });
  // As in real images: a /tmp everyone may write (the runtime's tmpfs keeps the mode of the folder it covers).
  mkdirSync(path.join(rootfs, "tmp"), { recursive: true });
  chmodSync(path.join(rootfs, "tmp"), 0o1777);
  copyFileSync(FIXTURE, path.join(rootfs, "app", "server.mjs"));
  const tarball = path.join(ROOT, "rootfs.tar");
  await run("tar", ["-C", rootfs, "-cf", tarball, "."]);
  await run(which("docker")!, [
    "-H",
    `unix://${SOCKET}`,
    "import",
    "--change",
    `ENTRYPOINT ["${node}", "/app/server.mjs"]`,
    tarball,
    image,
  ]);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(tarball, { force: true });
  return image;
}

/** What `ldd node` lists, by absolute path (the loader included). */
function linkedLibraries(binary: string): string[] {
  const ldd = spawnSync("ldd", [binary], { encoding: "utf8" });
  return [...ldd.stdout.matchAll(/(\/\S+)/g)].map((match) => match[1]!).filter((file) => existsSync(file));
}

async function locked<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock whose holder died is taken over.
      const holder = Number(readFileSync(path.join(LOCK, "pid"), { encoding: "utf8", flag: "a+" }));
      if (holder && !isAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the test dockerd lock ${LOCK} stayed taken`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  writeFileSync(path.join(LOCK, "pid"), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function alive(): Promise<boolean> {
  if (daemonPid() === undefined || !existsSync(SOCKET)) return false;
  try {
    await new Docker({ socketPath: SOCKET, host: undefined }).ping();
    return true;
  } catch {
    return false;
  }
}

function daemonPid(): number | undefined {
  try {
    const pid = Number(readFileSync(PIDFILE, "utf8").trim());
    return pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exits(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/sbin", "/sbin", "/usr/bin"])) {
    const candidate = path.join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
