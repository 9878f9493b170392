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
  const suffix = `_${createHash("sha256").update(joined).digest("hex").slice(0, 6)}`;
  return clean.slice(0, options.maxLength - suffix.length) + suffix;
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
   * plugin renamed it); undefined when another tool already holds that exposed name.
   */
  expose(server: string, prefix: string, name: string, original = name): string | undefined {
    const exposed = exposedName(prefix, name, this.options);
    const holder = this.#byExposed.get(exposed);
    if (holder && (holder.server !== server || holder.name !== original)) return undefined;
    this.#byExposed.set(exposed, { server, name: original });
    if (exposed !== `${prefix}${this.options.separator}${name}` && !this.#reported.has(exposed)) {
      this.#reported.add(exposed);
      this.onChange({ server, original: name, exposed });
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
