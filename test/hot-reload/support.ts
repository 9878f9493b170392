// A gateway as users run it (`mcpgw serve` in its own process), its config and catalog as real
// files the tests edit, and what its log says about each reload.
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { repoRoot, tempDir } from "../helpers/files.js";
import { Child, CLI, cleanEnv } from "../cli/spawn.js";
import { until, type Tap } from "../http/support.js";

type TestContext = { after(fn: () => unknown): void };
type LogRecord = Record<string, unknown> & { msg: string };

export const PROBE = path.join(repoRoot, "dist", "test", "fixtures", "servers", "probe-server.js");

/** A catalog entry running the probe fixture (tools echo, pid, sleep, env). */
export function probe(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, runtime: { type: "local-process", command: process.execPath, args: [PROBE] }, ...extra };
}

/** One reload attempt as the log tells it: its trigger, and the servers it added, removed, modified; or its refusal. */
export interface Attempt {
  readonly trigger: string;
  readonly applied: boolean;
  readonly added: string[];
  readonly removed: string[];
  readonly modified: string[];
  /** The error lines logged for a refused config. */
  readonly problems: string[];
}

export class ServeGateway {
  readonly configFile: string;
  readonly catalogFile: string;
  base = "";

  private constructor(
    readonly dir: string,
    readonly child: Child,
  ) {
    this.configFile = path.join(dir, "config.yaml");
    this.catalogFile = path.join(dir, "catalog.yaml");
  }

  /** `mcpgw serve --config config.yaml` with `catalog_path: ./catalog.yaml`, once it listens and watches. */
  static async start(
    t: TestContext,
    config: Record<string, unknown>,
    servers: Array<Record<string, unknown>>,
    files: Record<string, string> = {},
  ): Promise<ServeGateway> {
    const dir = tempDir(t, "mcpgw-reload-");
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    writeFileSync(path.join(dir, "catalog.yaml"), catalogText(servers));
    writeFileSync(path.join(dir, "config.yaml"), configText(dir, config));
    const child = new Child(CLI, ["serve", "--config", "config.yaml"], {
      cwd: dir,
      env: cleanEnv({ XDG_CACHE_HOME: dir }),
    });
    t.after(() => child.kill());
    const gateway = new ServeGateway(dir, child);
    const listening = await child.waitForStderr(/Listening on http:\/\/127\.0\.0\.1:\d+/);
    gateway.base = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)![1]!;
    await child.waitForStderr(/Hot reload enabled/);
    return gateway;
  }

  writeConfig(config: Record<string, unknown>): void {
    writeFileSync(this.configFile, configText(this.dir, config));
  }

  writeCatalog(servers: Array<Record<string, unknown>>, comment = ""): void {
    writeFileSync(this.catalogFile, catalogText(servers, comment));
  }

  /** Saves as many editors do: a new file renamed over the old one (the old inode goes away). */
  renameSaveCatalog(servers: Array<Record<string, unknown>>): void {
    writeFileSync(`${this.catalogFile}.tmp`, catalogText(servers));
    renameSync(`${this.catalogFile}.tmp`, this.catalogFile);
  }

  records(): LogRecord[] {
    return this.child.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogRecord);
  }

  /** Every reload attempt that finished, in order. */
  attempts(): Attempt[] {
    const out: Attempt[] = [];
    let current: { trigger: string; problems: string[] } | undefined;
    for (const record of this.records()) {
      if (record.msg.startsWith("Reloading config from")) current = { trigger: String(record.trigger), problems: [] };
      else if (current && record.level === "error") current.problems.push(record.msg);
      else if (current && /^Loaded \d+ servers \(added/.test(record.msg)) {
        out.push({
          trigger: current.trigger,
          applied: true,
          added: record.added as string[],
          removed: record.removed as string[],
          modified: record.modified as string[],
          problems: current.problems,
        });
        current = undefined;
      } else if (current && record.msg.startsWith("Keeping the running config")) {
        out.push({ ...current, applied: false, added: [], removed: [], modified: [] });
        current = undefined;
      }
    }
    return out;
  }

  /** The next attempt to finish after `count` had. */
  async attemptAfter(count: number): Promise<Attempt> {
    return until(`reload attempt #${count + 1}`, () => this.attempts()[count], 15_000);
  }

  async adminReload(headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(`${this.base}/admin/reload`, { method: "POST", headers });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }
}

function configText(dir: string, config: Record<string, unknown>): string {
  return JSON.stringify(
    {
      listen_addr: "127.0.0.1:0",
      state_dir: path.join(dir, "state"),
      health_check_interval_seconds: 0,
      catalog_path: "./catalog.yaml",
      ...config,
    },
    null,
    2,
  );
}

function catalogText(servers: Array<Record<string, unknown>>, comment = ""): string {
  return `# the catalog ${comment}\n${JSON.stringify({ servers }, null, 2)}\n`;
}

/** Calls `tool` one call after another until stopped; every failure is kept. */
export function keepCalling(client: Client, tool: string, args: Record<string, unknown>) {
  let stopped = false;
  let calls = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      try {
        const result = await client.callTool({ name: tool, arguments: args });
        if (result.isError) errors.push(JSON.stringify(result.content));
        calls += 1;
      } catch (error) {
        errors.push(String(error));
      }
    }
  })();
  return {
    get calls() {
      return calls;
    },
    async stop(): Promise<{ calls: number; errors: string[] }> {
      stopped = true;
      await loop;
      return { calls, errors };
    },
  };
}

/** The text of a tool's first content item. */
export async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  return (result.content as Array<{ text: string }>)[0]!.text;
}

export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name);
}

/** Resolves when `tap` has seen one more tools/list_changed than it had when this was called. */
export function nextListChanged(tap: Tap, what: string): Promise<unknown> {
  const before = tap.notifications("notifications/tools/list_changed").length;
  return until(
    `tools/list_changed on ${what}`,
    () => tap.notifications("notifications/tools/list_changed").length > before,
    15_000,
  );
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
