import type { Redis } from "ioredis";
import type { Logger } from "open-mcp-gateway";
import { SessionTable, type SessionTableLimits } from "./SessionTable.js";

/** No Redis command may hold a request longer than this: an outage degrades the cluster, never stalls it. */
const COMMAND_TIMEOUT_MS = 250;
const CONNECT_TIMEOUT_MS = 1000;
const MAX_RETRY_DELAY_MS = 2000;
/**
 * After Redis comes back (perhaps restarted empty), how long a missing heartbeat proves nothing: every
 * live replica reconnects within its retry delay and beats at once.
 */
const REJOIN_MS = MAX_RETRY_DELAY_MS + CONNECT_TIMEOUT_MS;

/**
 * What the replicas share through Redis, all of it optional: each replica's heartbeat (a key that
 * expires unless refreshed, so a dead owner is known without trying to connect to it), the
 * tombstones of sessions their clients deleted (never adopted again), and sessions' own state
 * (SessionTable). Every question answers
 * `undefined` while Redis cannot be reached: the caller then does what it does without Redis.
 */
export class RedisDirectory {
  #timer?: NodeJS.Timeout;
  /** Until when, after a reconnection, the heartbeats of replicas that have not beaten since may be missing. */
  #rejoinUntil = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    let connected = false;
    redis.on("ready", () => {
      if (connected) this.#rejoinUntil = Date.now() + REJOIN_MS;
      connected = true;
    });
  }

  static async connect(url: string, prefix: string, logger: Logger): Promise<RedisDirectory> {
    // A CommonJS package: only its default export (module.exports) is there both in Node's loader and in the bundle.
    const { Redis } = (await import("ioredis")).default;
    const redis = new Redis(url, {
      // Commands fail at once while disconnected instead of queueing behind the outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, MAX_RETRY_DELAY_MS),
      lazyConnect: true,
    });
    let warned = false;
    redis.on("error", (error: Error) => {
      if (warned) return;
      warned = true;
      logger.warn(
        `Redis unavailable (${error.message}); the cluster works on without heartbeats, tombstones and shared session state`,
      );
    });
    redis.on("ready", () => {
      if (warned) logger.info("Redis reachable again");
      warned = false;
    });
    redis.connect().catch(() => {});
    return new RedisDirectory(redis, prefix, logger);
  }

  get up(): boolean {
    return this.redis.status === "ready";
  }

  /** The per-session side table and stream events, on the same connection. */
  sessionTable(limits: SessionTableLimits): SessionTable {
    return new SessionTable(this.redis, this.prefix, limits);
  }

  /** Calls `listener` each time Redis becomes reachable, the first time and after every outage. */
  onReady(listener: () => void): void {
    this.redis.on("ready", listener);
  }

  /** Announces this replica every `intervalMs`, and at once when Redis is back; the key lives for three intervals. */
  beat(epoch: string, address: string, intervalMs: number): void {
    const beat = () => void this.redis.set(this.#replica(epoch), address, "PX", intervalMs * 3).catch(() => undefined);
    beat();
    this.#timer = setInterval(beat, intervalMs);
    this.#timer.unref();
    this.onReady(beat);
  }

  /**
   * Whether the replica of `epoch` has beaten recently; undefined when Redis cannot say: while it is
   * down, and just after it came back, when a live replica may not have beaten again yet.
   */
  async alive(epoch: string): Promise<boolean | undefined> {
    const beating = await this.#exists(this.#replica(epoch));
    return Date.now() < this.#rejoinUntil ? beating || undefined : beating;
  }

  /** Records that a session's client ended it, for `ttlSeconds`. */
  bury(session: string, ttlSeconds: number): void {
    if (this.up) void this.redis.set(this.#dead(session), "1", "EX", ttlSeconds).catch(() => undefined);
  }

  /** Whether a session's client ended it; undefined when Redis cannot say. */
  buried(session: string): Promise<boolean | undefined> {
    return this.#exists(this.#dead(session));
  }

  async #exists(key: string): Promise<boolean | undefined> {
    if (!this.up) return undefined;
    try {
      return (await this.redis.exists(key)) === 1;
    } catch {
      return undefined;
    }
  }

  /** Stops beating and forgets this replica at once, so peers stop relaying to it. */
  async close(epoch: string): Promise<void> {
    clearInterval(this.#timer);
    if (this.up) await this.redis.del(this.#replica(epoch)).catch(() => undefined);
    this.redis.disconnect();
    this.logger.debug("Redis connection closed");
  }

  // Keys are built from the sealed token's own random fields, never from what a client typed.
  #replica(epoch: string): string {
    return `${this.prefix}replica:${epoch}`;
  }

  #dead(session: string): string {
    return `${this.prefix}dead:${session}`;
  }
}
