import type { FilterRules } from "./options.js";

/** `*` any run of characters, `?` one; everything else literal. Tool names hold no path separators. */
function globTest(glob: string): (name: string) => boolean {
  const pattern = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return (name) => pattern.test(name);
}

/** One server's rules for one kind (tools or prompts), compiled once per config. */
export class CompiledRules {
  readonly #allow?: Array<(name: string) => boolean>;
  readonly #deny: Array<(name: string) => boolean>;

  /** An override's new name → the backend's own, for calls made without a list to map them. */
  readonly #renamed = new Map<string, string>();

  constructor(readonly rules: FilterRules) {
    this.#allow = rules.allow?.map(globTest);
    this.#deny = rules.deny.map(globTest);
    for (const [original, shown] of Object.entries(rules.override))
      if (shown.name !== undefined) this.#renamed.set(shown.name, original);
  }

  /** The backend's own name for a name a client sent. */
  original(name: string): string {
    return this.#renamed.get(name) ?? name;
  }

  /** Why `name` (the backend's own) is hidden, or undefined when it is shown. */
  hiddenBecause(name: string): "allow" | "deny" | undefined {
    if (this.#allow && !this.#allow.some((test) => test(name))) return "allow";
    if (this.#deny.some((test) => test(name))) return "deny";
    return undefined;
  }

  /** The item as clients see it: the override's fields over the backend's (its name kept when `keepName`). */
  shown(item: Record<string, unknown>, name: string, options: { keepName?: boolean } = {}): Record<string, unknown> {
    const override = this.rules.override[name];
    if (!override) return item;
    const { name: renamed, ...rest } = override;
    return { ...item, ...rest, ...(renamed !== undefined && !options.keepName && { name: renamed }) };
  }
}
