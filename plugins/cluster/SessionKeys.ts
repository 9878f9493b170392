import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import type { SessionStart } from "open-mcp-gateway";
import { SESSION_TAG } from "./options.js";

/** What a session token says, all of it sealed: nobody but the replicas can read or forge it. */
export interface SessionClaims {
  /** 128 random bits: the session's own name, in logs and (later) shared stores. */
  readonly s: string;
  /** The owner replica's boot nonce: a restarted replica at the same address is not the owner. */
  readonly o: string;
  /** Where the owner replica is reached (`advertise_url`). */
  readonly a: string;
  /** A digest of the principal (API key name) that opened the session. */
  readonly p: string;
  /** The route: `m:` or `l:` (Streamable HTTP, legacy SSE) and the one server's id, or nothing when aggregated. */
  readonly r: string;
  /** Issued at, seconds since the epoch. */
  readonly i: number;
  /** Streamable HTTP: the client's initialize, replayed when another replica adopts the session. */
  readonly st?: SessionStart;
}

const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

interface Key {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * AES-256-GCM session tokens with a key ring: sealed with the first secret, opened with any, so a
 * secret can be rotated by adding the new one in front of the old for as long as sessions last.
 * Wire form: `[<session tag>.]v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>` (visible ASCII, as the
 * spec asks). The optional session tag names the owner in clear for load balancers that route by prefix
 * (nginx `map`); it is authenticated with the rest, so an edited tag does not open.
 */
export class SessionKeys {
  readonly #keys: readonly Key[];

  /** `secrets`: the current one first, then previous ones. Keys are derived once (HKDF), never per token. */
  constructor(secrets: readonly string[]) {
    this.#keys = secrets.map((secret) => {
      const key = Buffer.from(hkdfSync("sha256", secret, "mcpgw-session-token", VERSION, 32));
      // A name for the key, not a way back to it: the digest of a 256-bit key.
      const id = createHash("sha256").update(key).digest("base64url").slice(0, 8);
      return { id, key };
    });
  }

  seal(claims: SessionClaims, sessionTag = ""): string {
    const { id, key } = this.#keys[0]!;
    const clear = `${sessionTag ? `${sessionTag}.` : ""}${VERSION}.${id}`;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from(clear));
    const sealed = Buffer.concat([
      nonce,
      cipher.update(JSON.stringify(claims), "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${clear}.${sealed.toString("base64url")}`;
  }

  /** The claims of a token one of the ring's keys sealed; undefined for anything else (tampered, foreign, garbage). */
  open(token: string): SessionClaims | undefined {
    const parts = token.split(".");
    if (parts.length === 4 && !SESSION_TAG.test(parts[0]!)) return undefined;
    const [version, id, body, extra] = parts.length === 4 ? parts.slice(1) : parts;
    if (version !== VERSION || body === undefined || extra !== undefined) return undefined;
    const key = this.#keys.find((candidate) => candidate.id === id)?.key;
    if (!key) return undefined;
    const sealed = Buffer.from(body, "base64url");
    if (sealed.length <= NONCE_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(token.slice(0, token.length - body.length - 1)));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return claimsOf(JSON.parse(plain.toString("utf8")));
    } catch {
      return undefined;
    }
  }
}

function claimsOf(value: unknown): SessionClaims | undefined {
  const claims = value as Partial<SessionClaims> | null;
  if (typeof claims !== "object" || claims === null) return undefined;
  const strings = [claims.s, claims.o, claims.a, claims.p, claims.r].every((field) => typeof field === "string");
  return strings && typeof claims.i === "number" ? (claims as SessionClaims) : undefined;
}
