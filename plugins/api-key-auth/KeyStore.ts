import { createHash, timingSafeEqual } from "node:crypto";
import type { Principal } from "open-mcp-gateway";
import type { NamedApiKey } from "./options.js";

/** Configured keys, kept only as digests and compared in constant time. */
export class KeyStore {
  readonly #entries: { digest: Buffer; principal: Principal }[];

  constructor(keys: readonly NamedApiKey[]) {
    this.#entries = keys.map((key) => ({
      digest: digest(key.key),
      principal: Object.freeze({
        id: key.name,
        scopes: key.scopes,
        ...(key.servers !== undefined && { servers: key.servers }),
      }),
    }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The principal a key name stands for, if configured. */
  principal(name: string): Principal | undefined {
    return this.#entries.find((entry) => entry.principal.id === name)?.principal;
  }

  /** Every entry is compared, so timing says nothing about which key (or how much of one) matched. */
  match(presented: string): Principal | undefined {
    const candidate = digest(presented);
    let found: Principal | undefined;
    for (const entry of this.#entries) if (timingSafeEqual(entry.digest, candidate)) found ??= entry.principal;
    return found;
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
