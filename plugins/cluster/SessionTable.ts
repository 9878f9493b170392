import type { Redis } from "ioredis";
import type { SessionFacts, StreamEvent } from "open-mcp-gateway";

/** What a session's current server learned after its initialize, kept for the replica that adopts it. */
export type LearnedFact =
  { readonly subscribe: string } | { readonly unsubscribe: string } | { readonly logLevel: string };

/** A replica that adopted a session: it serves it now, not the owner its token names. */
export interface SessionHolder {
  readonly epoch: string;
  readonly address: string;
}

export interface SharedSession {
  readonly facts: SessionFacts;
  readonly holder?: SessionHolder;
}

export interface SessionTableLimits {
  /** How long a session's side table lives after its last change (a session never outlives its token's age). */
  readonly sessionTtlSeconds: number;
  /** Events kept per session (approximately: Redis trims whole nodes of its stream). */
  readonly maxEvents: number;
  /** How long a session's events live after its last one. */
  readonly eventsTtlSeconds: number;
}

const SUBSCRIPTION = "sub:";
const LOG_LEVEL = "level";
const HOLDER_EPOCH = "holder";
const HOLDER_ADDRESS = "holder_addr";

/**
 * Per session, in Redis: a side table (a hash: subscriptions, log level, the replica that adopted it)
 * and the events of its streams (a Redis stream, trimmed and expiring), written by whoever serves the
 * session and read by the replica that adopts it. Writes are sent at once and not awaited (in order on
 * one connection); nothing is written or read while Redis is down, and a read then answers undefined.
 */
export class SessionTable {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: SessionTableLimits,
  ) {}

  get #up(): boolean {
    return this.redis.status === "ready";
  }

  learned(session: string, fact: LearnedFact): void {
    if (!this.#up) return;
    const key = this.#table(session);
    const write =
      "subscribe" in fact
        ? this.redis.hset(key, SUBSCRIPTION + fact.subscribe, "1")
        : "unsubscribe" in fact
          ? this.redis.hdel(key, SUBSCRIPTION + fact.unsubscribe)
          : this.redis.hset(key, LOG_LEVEL, fact.logLevel);
    void write.catch(() => undefined);
    void this.redis.expire(key, this.limits.sessionTtlSeconds).catch(() => undefined);
  }

  /** This replica serves the session from now on: the others relay its requests here. */
  held(session: string, holder: SessionHolder): void {
    if (!this.#up) return;
    const key = this.#table(session);
    void this.redis.hset(key, HOLDER_EPOCH, holder.epoch, HOLDER_ADDRESS, holder.address).catch(() => undefined);
    void this.redis.expire(key, this.limits.sessionTtlSeconds).catch(() => undefined);
  }

  event(session: string, event: StreamEvent): void {
    if (!this.#up) return;
    const key = this.#events(session);
    const fields = event.json === undefined ? ["id", event.id] : ["id", event.id, "json", event.json];
    void this.redis.xadd(key, "MAXLEN", "~", this.limits.maxEvents, "*", ...fields).catch(() => undefined);
    void this.redis.expire(key, this.limits.eventsTtlSeconds).catch(() => undefined);
  }

  /** The client ended the session: nothing of it is needed any more. */
  forget(session: string): void {
    if (this.#up) void this.redis.del(this.#table(session), this.#events(session)).catch(() => undefined);
  }

  /** What was shared of a session; undefined when Redis cannot say. */
  async read(session: string): Promise<SharedSession | undefined> {
    if (!this.#up) return undefined;
    try {
      const [table, entries] = await Promise.all([
        this.redis.hgetall(this.#table(session)),
        this.redis.xrange(this.#events(session), "-", "+"),
      ]);
      const events = entries.map(([, fields]): StreamEvent => {
        const record = Object.fromEntries(pairs(fields));
        return record.json === undefined ? { id: record.id! } : { id: record.id!, json: record.json };
      });
      const subscriptions = Object.keys(table)
        .filter((field) => field.startsWith(SUBSCRIPTION))
        .map((field) => field.slice(SUBSCRIPTION.length));
      const facts = { subscriptions, events, ...(table[LOG_LEVEL] !== undefined && { logLevel: table[LOG_LEVEL] }) };
      const epoch = table[HOLDER_EPOCH];
      const address = table[HOLDER_ADDRESS];
      return { facts, ...(epoch && address && { holder: { epoch, address } }) };
    } catch {
      return undefined;
    }
  }

  // Keys are built from the sealed token's own random fields, never from what a client typed.
  #table(session: string): string {
    return `${this.prefix}s:${session}`;
  }

  #events(session: string): string {
    return `${this.prefix}ev:${session}`;
  }
}

function pairs(fields: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let index = 0; index + 1 < fields.length; index += 2) out.push([fields[index]!, fields[index + 1]!]);
  return out;
}
