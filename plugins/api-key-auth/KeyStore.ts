import { createHash, timingSafeEqual } from "node:crypto";
import type { Principal } from "open-mcp-gateway";
import type { NamedApiKey } from "./options.js";

/** Configured keys, kept only as digests and compared in constant time. */
export class KeyStore {
  readonly #entries: { digest: Buffer; principal: Principal }[];

  constructor(keys: readonly NamedApiKey[]) {
    this.#entries = keys.map((key) => ({ digest: digest(key.key), principal: { id: key.name, scopes: key.scopes } }));
  }

  get size(): number {
    return this.#entries.length;
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
