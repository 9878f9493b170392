import { zodMini as z } from "open-mcp-gateway";

/** A session tag: letters, digits, `_` and `-`, so that it needs no escaping in a load balancer's pattern. */
export const SESSION_TAG = /^[A-Za-z0-9_-]{1,32}$/;

/** At least 32 bytes: the secret is the only thing between a client and a forged session of another key. */
const secretSchema = z
  .string()
  .check(z.refine((value) => Buffer.byteLength(value) >= 32, "a session secret must be at least 32 bytes"));

const advertiseUrlSchema = z.string().check(
  z.refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" && url.port !== "" && url.pathname === "/" && !url.search && !url.username;
    } catch {
      return false;
    }
  }, "advertise_url is how the other replicas reach this one: http://HOST:PORT, for example http://10.0.0.7:4444"),
);

/** The `cluster:` block: present, it turns cluster mode on. */
export const clusterSchema = z.optional(
  z.strictObject({
    /** This replica's name in logs (default: the host name). */
    node_id: z.optional(z.string().check(z.minLength(1))),
    advertise_url: advertiseUrlSchema,
    /**
     * Optional clear prefix of this replica's session ids (`<tag>.v1...`), for load balancers that keep
     * sessions on their owner by reading it (nginx `map`); routing by it is an optimisation only.
     */
    session_tag: z.optional(
      z.string().check(z.regex(SESSION_TAG, "session_tag: 1 to 32 letters, digits, '_' or '-', such as r2")),
    ),
    /** Seals session tokens; the same on every replica. */
    session_secret: secretSchema,
    /** Secrets being rotated out: tokens they sealed are still accepted, new ones use session_secret. */
    previous_session_secrets: z._default(z.array(secretSchema), []),
    /** Owner heartbeats, DELETE tombstones and sessions' state shared by the replicas; optional (empty: none). */
    redis_url: z._default(z.string(), ""),
    /** Prefix of every Redis key, for several gateways sharing one Redis. */
    redis_key_prefix: z._default(z.string(), "mcpgw:"),
    /** With Redis: the events of a session's streams kept for a resume after adoption (about; Redis trims in blocks). */
    shared_events_max: z._default(z.int().check(z.minimum(1), z.maximum(100_000)), 1000),
    /** With Redis: how long a session's shared events live after its last one. */
    shared_events_ttl_seconds: z._default(z.int().check(z.minimum(1), z.maximum(86_400)), 600),
    /** How often a replica renews its heartbeat in Redis; it counts as gone three of these after its last. */
    heartbeat_seconds: z._default(z.number().check(z.minimum(0.1), z.maximum(60)), 5),
    /** How long a relay waits to connect to a session's owner before the session counts as gone. */
    connect_timeout_ms: z._default(z.int().check(z.minimum(1), z.maximum(60_000)), 1000),
    /** How long a connected owner may take to start its answer (an SSE stream starts at once): else 404. */
    answer_timeout_ms: z._default(z.int().check(z.minimum(1), z.maximum(600_000)), 10_000),
    /** A session whose owner is gone is adopted by another replica only while its token is younger than this. */
    session_max_age_seconds: z._default(z.int().check(z.minimum(60)), 43_200),
    /**
     * On SIGTERM, how long the replica goes on serving with /ready at 503 before it drains: the time load
     * balancers and Kubernetes take to stop sending it new sessions. The gateway's whole stop stays within
     * 30 s (this, then at most 15 s for calls in flight, then the backends' stop), Kubernetes' default grace.
     */
    drain_delay_seconds: z._default(z.number().check(z.minimum(0), z.maximum(10)), 5),
  }),
);

export type ClusterSettings = NonNullable<z.output<typeof clusterSchema>>;
