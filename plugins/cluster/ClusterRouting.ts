import { createHash, randomBytes } from "node:crypto";
import {
  GatewayError,
  Histogram,
  type ForeignSessionRequest,
  type Logger,
  type McpRequest,
  type Principal,
  type RelayOutcome,
  type SessionRoute,
  type RequestOutcome,
  type SessionInfo,
  type SessionRouting,
  type SessionStart,
  type StreamEvent,
} from "open-mcp-gateway";
import type { ClusterSettings } from "./options.js";
import type { RedisDirectory } from "./RedisDirectory.js";
import { HOP_HEADER, relay, type RelayResult } from "./Relay.js";
import { SessionKeys, type SessionClaims } from "./SessionKeys.js";
import type { SessionHolder, SessionTable } from "./SessionTable.js";

const HOP_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Counters for the cluster's own traffic. */
export interface ClusterCounters {
  /** Requests relayed to the session's owner replica. */
  forwarded: number;
  /** Requests for a session whose owner could not be reached: answered 404. */
  ownerGone: number;
  /** Session ids that were not tokens of this cluster's keys, or not the caller's: answered 404. */
  rejected: number;
  /** Sessions taken over from an owner that is gone. */
  adopted: number;
}

/**
 * Session ids as sealed tokens naming this replica (advertised address and boot nonce), the
 * principal and the route; a request for another replica's session is relayed there in one hop.
 */
export class ClusterRouting implements SessionRouting {
  /** This process's identity among replicas: a replica restarted at the same address is another owner. */
  readonly epoch = randomBytes(9).toString("base64url");
  readonly counters: ClusterCounters = { forwarded: 0, ownerGone: 0, rejected: 0, adopted: 0 };
  /** The relays' times to the owner's answer headers, in seconds: on loopback or in a cluster network, about a millisecond. */
  readonly forwardSeconds = new Histogram(HOP_BUCKETS_SECONDS);
  readonly #keys: SessionKeys;
  #draining = false;
  /** Set when `redis_url` is: heartbeats and tombstones. */
  directory?: RedisDirectory;
  /** Set when `redis_url` is: what sessions learn after initialize, and their streams' events. */
  table?: SessionTable;
  /** The sessions served here (Streamable HTTP), by wire id, with what they learned: re-sent when Redis comes back. */
  readonly #served = new Map<string, ServedSession>();
  /** The same sessions' wire ids by the MCP core's id, which the request pipeline's hooks see. */
  readonly #wireIds = new Map<string, string>();

  constructor(
    private readonly settings: ClusterSettings,
    private readonly logger: Logger,
    /** Whether every backend a session on `route` can reach runs equally on every replica (`isolation: shared`). */
    private readonly portable: (route: SessionRoute) => boolean,
  ) {
    this.#keys = new SessionKeys([settings.session_secret, ...settings.previous_session_secrets]);
  }

  /** What `GET /cluster` shows. */
  report(): Record<string, unknown> {
    const { forwarded, ownerGone, rejected, adopted } = this.counters;
    return {
      draining: this.#draining,
      redis: this.directory === undefined ? "off" : this.directory.up ? "up" : "down",
      forwarded_total: forwarded,
      owner_gone_total: ownerGone,
      rejected_total: rejected,
      adopted_total: adopted,
      forward_seconds_total: Number(this.forwardSeconds.sum.toFixed(6)),
    };
  }

  /** Shutdown began: no new sessions here (503, which a load balancer may retry on another replica). */
  drain(): void {
    this.#draining = true;
  }

  newSessionId(route: SessionRoute, start?: SessionStart): string {
    if (this.#draining)
      throw new GatewayError(
        "MCPGW_ERR_SHUTTING_DOWN",
        "This replica is shutting down and opens no new sessions; retry, another replica will take it",
        { plugin: "cluster" },
      );
    return this.#keys.seal(
      {
        s: randomBytes(16).toString("base64url"),
        o: this.epoch,
        a: this.settings.advertise_url,
        p: principalTag(route.principal),
        r: routeTag(route),
        i: Math.floor(Date.now() / 1000),
        ...(start && { st: start }),
      },
      this.settings.session_tag,
    );
  }

  async relay(request: ForeignSessionRequest): Promise<RelayOutcome> {
    const { sessionId, route, req } = request;
    const claims = this.#keys.open(sessionId);
    // A legacy POST names no server (/messages serves every /sse route): its transport is what it can check.
    const sameRoute = claims && (route.transport === "sse" ? claims.r.startsWith("l:") : claims.r === routeTag(route));
    if (!claims || !sameRoute || claims.p !== principalTag(route.principal)) {
      this.counters.rejected += 1;
      return "gone";
    }
    // Ours and gone (ended, expired): only the owner itself may answer, and it did.
    if (claims.o === this.epoch) return "gone";
    // This replica took over the owner's address: the owner (an earlier run of it) is gone for sure.
    const replaced = claims.a === this.settings.advertise_url;
    // Relayed once already, to an address that is not the owner's any more: one hop at most.
    if (req.headers[HOP_HEADER] !== undefined && !replaced) return "gone";
    // Redis says whether the owner still beats; without an answer, trying to connect tells.
    if (!replaced && (await this.directory?.alive(claims.o)) !== false) {
      const result = await this.#relayTo(claims.a, claims.o, request);
      if (result === "answered") return "relayed";
      if (result === "lost") return this.#gone(claims, "went away during the request");
    }
    // With Redis: another replica may have adopted the session already; it serves it now.
    const shared = await this.table?.read(claims.s);
    const holder = shared?.holder;
    if (holder && holder.epoch !== claims.o) {
      if (holder.epoch === this.epoch) return this.#gone(claims, "is gone, and the session ended here since");
      if ((await this.directory?.alive(holder.epoch)) !== false) {
        const result = await this.#relayTo(holder.address, holder.epoch, request);
        if (result === "answered") return "relayed";
        if (result === "lost") return this.#gone(claims, `is gone, and so was its adopter at ${holder.address}`);
      }
    }
    const start = claims.st;
    const age = Date.now() / 1000 - claims.i;
    if (!start || age > this.settings.session_max_age_seconds || !this.portable(route))
      return this.#gone(claims, "is gone, and the session cannot move (a per-session backend, or too old)");
    if (await this.directory?.buried(claims.s)) return this.#gone(claims, "is gone, and its client had ended it");
    // Replicas that see the owner gone at the same moment race for the session: one wins, the others relay to it.
    const winner = await this.table?.claim(claims.s, holder?.epoch, this.#asHolder());
    if (winner) {
      if ((await this.#relayTo(winner.address, winner.epoch, request)) === "answered") return "relayed";
      return this.#gone(claims, `is gone, and the replica that took the session over at ${winner.address} is too`);
    }
    return { adopt: start, ...(shared && { facts: shared.facts }) };
  }

  /** Redis is reachable (again): what the sessions served here know now goes to it, in case it missed or lost some. */
  reshare(): void {
    for (const served of this.#served.values())
      this.table?.restore(served.name, served, served.adopted ? this.#asHolder() : undefined);
  }

  #asHolder(): SessionHolder {
    return { epoch: this.epoch, address: this.settings.advertise_url };
  }

  async #relayTo(address: string, epoch: string, { req, res }: ForeignSessionRequest): Promise<RelayResult> {
    const started = process.hrtime.bigint();
    const result = await relay(
      {
        url: new URL(address),
        epoch,
        connectTimeoutMs: this.settings.connect_timeout_ms,
        answerTimeoutMs: this.settings.answer_timeout_ms,
      },
      req,
      res,
    );
    if (result === "answered") {
      this.counters.forwarded += 1;
      this.forwardSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return result;
  }

  adopted(sessionId: string): void {
    this.counters.adopted += 1;
    // Claimed in Redis already (relay); kept for reshare, should Redis have been down meanwhile.
    const served = this.#served.get(sessionId);
    if (served) served.adopted = true;
  }

  deleted(sessionId: string): void {
    const claims = this.#keys.open(sessionId);
    if (!claims) return;
    this.directory?.bury(claims.s, this.settings.session_max_age_seconds);
    this.table?.forget(claims.s);
  }

  serving(sessionId: string, session: SessionInfo): void {
    const claims = this.table && this.#keys.open(sessionId);
    if (!claims) return;
    this.#served.set(sessionId, { name: claims.s, subscriptions: new Set(), adopted: false });
    this.#wireIds.set(session.id, sessionId);
  }

  eventStored(sessionId: string, event: StreamEvent): void {
    const served = this.#served.get(sessionId);
    if (served) this.table?.event(served.name, event);
  }

  /** A request's end (the request pipeline's `outcome`): what a session learns after initialize goes to the side table. */
  outcome(request: McpRequest, outcome: RequestOutcome): void {
    if (!outcome.ok || !this.table || !request.session || !LEARNED.has(request.method)) return;
    const wireId = this.#wireIds.get(request.session.id);
    const served = wireId && this.#served.get(wireId);
    if (!served) return;
    const uri = String(request.uri);
    if (request.method === "logging/setLevel") {
      served.logLevel = String(request.params.level);
      this.table.learned(served.name, { logLevel: served.logLevel });
    } else if (request.method === "resources/subscribe") {
      served.subscriptions.add(uri);
      this.table.learned(served.name, { subscribe: uri });
    } else {
      served.subscriptions.delete(uri);
      this.table.learned(served.name, { unsubscribe: uri });
    }
  }

  /** A session ended here (the request pipeline's `sessionClosed`). */
  closed(session: SessionInfo): void {
    const wireId = this.#wireIds.get(session.id);
    if (wireId === undefined) return;
    this.#wireIds.delete(session.id);
    this.#served.delete(wireId);
  }

  #gone(claims: SessionClaims, why: string): RelayOutcome {
    this.counters.ownerGone += 1;
    this.logger.info(`Session ${claims.s.slice(0, 8)}: its owner at ${claims.a} ${why}; answered 404`);
    return "gone";
  }
}

/** A session served here: its own name (`s`, the side table's key) and what it learned after initialize. */
interface ServedSession {
  readonly name: string;
  readonly subscriptions: Set<string>;
  logLevel?: string;
  /** Taken over from a gone owner: this replica is its holder. */
  adopted: boolean;
}

/** The requests whose success a session's side table records. */
const LEARNED = new Set(["resources/subscribe", "resources/unsubscribe", "logging/setLevel"]);

/** A digest: the token stays small whatever the key name, and an id never spells one out. */
function principalTag(principal: Principal): string {
  return createHash("sha256").update(principal.id).digest("base64url").slice(0, 16);
}

function routeTag(route: SessionRoute): string {
  return `${route.transport === "sse" ? "l" : "m"}:${route.server ?? ""}`;
}
