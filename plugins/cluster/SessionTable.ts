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

/** What a session served here has learned after its initialize, as it stands now. */
export interface CurrentFacts {
  readonly subscriptions: ReadonlySet<string>;
  readonly logLevel?: string;
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

// KEYS[1]: a session's table. ARGV: the holder seen gone (or ""), the claimant's epoch and address, the table's TTL.
// Answers the holder that claimed the session first, or nothing when the claimant holds it now.
const CLAIM = `
local holder = redis.call('HGET', KEYS[1], '${HOLDER_EPOCH}')
if holder and holder ~= ARGV[1] and holder ~= ARGV[2] then
  return {holder, redis.call('HGET', KEYS[1], '${HOLDER_ADDRESS}')}
end
redis.call('HSET', KEYS[1], '${HOLDER_EPOCH}', ARGV[2], '${HOLDER_ADDRESS}', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {}`;

// KEYS[1]: a session's table. ARGV: its TTL, the holder's epoch and address ("" for the owner itself), then
// the facts' field and value pairs, which replace the table's.
const RESTORE = `
local holder = redis.call('HGET', KEYS[1], '${HOLDER_EPOCH}')
if holder and holder ~= ARGV[2] then return 0 end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if field == '${LOG_LEVEL}' or string.sub(field, 1, ${SUBSCRIPTION.length}) == '${SUBSCRIPTION}' then
    redis.call('HDEL', KEYS[1], field)
  end
end
for index = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[index], ARGV[index + 1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], '${HOLDER_EPOCH}', ARGV[2], '${HOLDER_ADDRESS}', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

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

  /**
   * Makes `holder` the one replica that adopts the session, atomically: only while no other replica
   * holds it but `gone` (the adopter seen gone, if any). Undefined when `holder` holds it now, or Redis
   * cannot say (adoption then goes on as without Redis); else the replica that claimed it first.
   */
  async claim(session: string, gone: string | undefined, holder: SessionHolder): Promise<SessionHolder | undefined> {
    if (!this.#up) return undefined;
    try {
      const [epoch, address] = (await this.redis.eval(
        CLAIM,
        1,
        this.#table(session),
        gone ?? "",
        holder.epoch,
        holder.address,
        this.limits.sessionTtlSeconds,
      )) as string[];
      return epoch && address ? { epoch, address } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes what a session served here knows now, over what Redis has (which may have missed changes
   * while it was unreachable, or lost everything in a restart); `holder`: this replica adopted it and
   * holds it unless another claimed it since. A session another replica holds now is left to it.
   */
  restore(session: string, facts: CurrentFacts, holder?: SessionHolder): void {
    if (!this.#up) return;
    const fields = [...facts.subscriptions].flatMap((uri) => [SUBSCRIPTION + uri, "1"]);
    if (facts.logLevel !== undefined) fields.push(LOG_LEVEL, facts.logLevel);
    const args = [this.limits.sessionTtlSeconds, holder?.epoch ?? "", holder?.address ?? "", ...fields];
    void this.redis.eval(RESTORE, 1, this.#table(session), ...args).catch(() => undefined);
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
