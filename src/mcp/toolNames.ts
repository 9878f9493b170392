import { createHash } from "node:crypto";

/** What the Claude and OpenAI APIs accept as a tool name (the MCP spec also allows '.', they do not). */
export const CLIENT_TOOL_NAME = /^[A-Za-z0-9_-]+$/;

export interface NamingOptions {
  readonly separator: string;
  readonly maxLength: number;
}

export interface NameChange {
  readonly server: string;
  readonly original: string;
  readonly exposed: string;
  /** `fit`: characters or length clients reject; `clash`: another server's tool already had the name. */
  readonly reason: "fit" | "clash";
  /** For a clash, the server whose tool kept the name. */
  readonly clashesWith?: string;
}

/**
 * `<prefix><separator><name>`, made to fit clients. A name that needs no change stays readable; one
 * with other characters or too long gets them mapped to '_', is cut to fit, and ends in '_' plus six
 * hex digits of the unchanged name's hash: the same tool always gets the same name, whatever else is
 * listed beside it, across restarts.
 */
export function exposedName(prefix: string, name: string, options: NamingOptions): string {
  const joined = `${prefix}${options.separator}${name}`;
  const clean = joined.replace(/[^A-Za-z0-9_-]/g, "_");
  if (clean === joined && clean.length <= options.maxLength) return joined;
  return withHashSuffix(clean, joined, options.maxLength);
}

/**
 * Whether `exposed` can be the aggregated name of a tool of the server listed under `prefix`: it
 * begins as every name `exposedName` and `distinctName` give that server begins.
 */
export function mayBeExposedBy(prefix: string, exposed: string, options: NamingOptions): boolean {
  // Prefix and separator are made of characters clients accept, so only the length limit can cut them.
  return exposed.startsWith(`${prefix}${options.separator}`.slice(0, options.maxLength - 7));
}

/**
 * The name for a tool whose exposed name another server's tool holds: the same name with six hex
 * digits of the hash of its server and original name, so it is distinct, and stable across restarts.
 */
export function distinctName(server: string, prefix: string, name: string, options: NamingOptions): string {
  const clean = `${prefix}${options.separator}${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return withHashSuffix(clean, `${server}\u0000${name}`, options.maxLength);
}

function withHashSuffix(clean: string, hashed: string, maxLength: number): string {
  const suffix = `_${createHash("sha256").update(hashed).digest("hex").slice(0, 6)}`;
  return clean.slice(0, maxLength - suffix.length) + suffix;
}

/** The exposed names of every server's tools (or prompts), and the way back to the server and original name. */
export class NameMap {
  readonly #byExposed = new Map<string, { server: string; name: string }>();
  readonly #reported = new Set<string>();

  constructor(
    private readonly options: NamingOptions,
    /** Told once per changed name, so it can be logged and shown by `mcpgw servers`. */
    private readonly onChange: (change: NameChange) => void = () => {},
  ) {}

  /**
   * Maps `name` of `server` (listed under `prefix`; `original` is the backend's own name when a
   * plugin renamed it). A name another server's tool already holds gets a distinct one
   * (`distinctName`); undefined only if that is taken too.
   */
  expose(server: string, prefix: string, name: string, original = name): string | undefined {
    const plain = exposedName(prefix, name, this.options);
    const holder = this.#byExposed.get(plain);
    const clash = holder !== undefined && (holder.server !== server || holder.name !== original);
    const exposed = clash ? distinctName(server, prefix, name, this.options) : plain;
    const taken = this.#byExposed.get(exposed);
    if (clash && taken && (taken.server !== server || taken.name !== original)) return undefined;
    this.#byExposed.set(exposed, { server, name: original });
    if (exposed !== `${prefix}${this.options.separator}${name}` && !this.#reported.has(exposed)) {
      this.#reported.add(exposed);
      this.onChange({
        server,
        original: name,
        exposed,
        reason: clash ? "clash" : "fit",
        ...(clash && { clashesWith: holder.server }),
      });
    }
    return exposed;
  }

  resolve(exposed: string): { server: string; name: string } | undefined {
    return this.#byExposed.get(exposed);
  }

  /** Forgets a server's names (its list changed or it was removed). */
  forget(server: string): void {
    for (const [exposed, owner] of this.#byExposed) if (owner.server === server) this.#byExposed.delete(exposed);
  }
}

/** How a rename reads in logs, `mcpgw servers` and `validate`. */
export function describeNameChange(kind: "tool" | "prompt", change: NameChange, maxLength: number): string {
  const what = `${kind === "tool" ? "Tool" : "Prompt"} '${change.original}' of server '${change.server}' is listed as '${change.exposed}'`;
  return change.reason === "clash"
    ? `${what}: server '${change.clashesWith}' has a ${kind} with the same aggregated name (set tool_prefix to choose another)`
    : `${what} (client limits: A-Z a-z 0-9 _ -, at most ${maxLength} characters)`;
}
