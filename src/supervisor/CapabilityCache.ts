import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ServerDefinition } from "../config/model.js";
import { errorMessage } from "../kernel/errors.js";
import type { Logger } from "../kernel/logger.js";
import { definitionHash } from "./definitionHash.js";

type RawObject = Record<string, unknown>;

/** A server's MCP initialize result, as it sent it (unknown fields included). */
export interface InitializeSummary {
  readonly [field: string]: unknown;
  readonly protocolVersion?: string;
  readonly capabilities: RawObject;
  readonly serverInfo?: RawObject;
  readonly instructions?: string;
}

/** A server's lists as the backend sent them (raw objects: unknown fields survive). */
export interface CapabilityLists {
  readonly tools: readonly RawObject[];
  readonly prompts: readonly RawObject[];
  readonly resources: readonly RawObject[];
  readonly resource_templates: readonly RawObject[];
}

export interface CapabilitySnapshot extends CapabilityLists {
  readonly server: string;
  /** `definitionHash` of the definition the lists came from; another hash means the entry is stale. */
  readonly definition_hash: string;
  readonly fetched_at: string;
  readonly initialize: InitializeSummary;
}

/**
 * The on-disk cache of each server's capabilities, one file per server id under
 * `<state dir>/capabilities/`, so an aggregated listing can answer for stopped servers.
 */
export class CapabilityCache {
  readonly #dir: string;
  readonly #memory = new Map<string, CapabilitySnapshot>();
  /** Definitions with no file: every aggregated list and resource read asks for each server, and a miss must not cost a file read each time. */
  readonly #absent = new Set<string>();

  constructor(
    stateDir: string,
    private readonly logger: Logger,
  ) {
    this.#dir = path.join(stateDir, "capabilities");
  }

  /** The snapshot for this exact definition, or undefined (never cached, unreadable, or the definition changed). */
  async read(server: ServerDefinition): Promise<CapabilitySnapshot | undefined> {
    const hash = definitionHash(server);
    const known = this.#memory.get(server.id);
    if (known) return known.definition_hash === hash ? known : undefined;
    const absent = `${server.id}\u0000${hash}`;
    if (this.#absent.has(absent)) return undefined;
    let snapshot: CapabilitySnapshot;
    try {
      snapshot = JSON.parse(await readFile(this.#file(server.id), "utf8")) as CapabilitySnapshot;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") this.#absent.add(absent);
      else
        this.logger.warn(
          { server: server.id },
          `Ignoring an unreadable capability cache entry: ${errorMessage(error)}`,
        );
      return undefined;
    }
    if (snapshot.server !== server.id || snapshot.definition_hash !== hash) return undefined;
    this.#memory.set(server.id, snapshot);
    return snapshot;
  }

  /** Stores a snapshot; written to a temp file and renamed, so a reader never sees half a file. */
  async write(snapshot: CapabilitySnapshot): Promise<void> {
    this.#memory.set(snapshot.server, snapshot);
    const file = this.#file(snapshot.server);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true });
      await writeFile(temp, JSON.stringify(snapshot));
      await rename(temp, file);
    } catch (error) {
      this.logger.warn(
        { server: snapshot.server },
        `Could not write the capability cache to ${this.#dir}: ${errorMessage(error)}`,
      );
    }
  }

  #file(id: string): string {
    return path.join(this.#dir, `${id}.json`);
  }
}
