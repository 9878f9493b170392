/** What the session caps need to know of an open session. */
export interface HeldSession {
  readonly id: string;
  readonly principal: string;
  readonly lastSeen: number;
  /** Nothing in progress on it (a Streamable HTTP session with no POST or GET stream open). */
  readonly idle: boolean;
}

export interface SessionCaps {
  readonly maxSessions: number;
  readonly maxSessionsPerPrincipal: number;
}

/** Whether a principal may open one more session, and which idle session closes to make room. */
export type Admission =
  | { readonly admitted: true; readonly evict?: { readonly session: HeldSession; readonly why: string } }
  | { readonly admitted: false; readonly message: string };

/**
 * Room for one more session of `principal`. At max_sessions_per_principal its own least recently
 * used idle session makes way; at max_sessions, that of a principal holding more sessions than the
 * caller will. Refused, to that principal only, when no session can make way.
 */
export function admit(sessions: readonly HeldSession[], principal: string, caps: SessionCaps): Admission {
  const held = new Map<string, number>();
  for (const session of sessions) held.set(session.principal, (held.get(session.principal) ?? 0) + 1);
  const own = held.get(principal) ?? 0;
  if (own >= caps.maxSessionsPerPrincipal) {
    const session = oldestIdle(sessions, principal);
    if (session)
      return {
        admitted: true,
        evict: { session, why: `'${principal}' is at max_sessions_per_principal (${caps.maxSessionsPerPrincipal})` },
      };
    return {
      admitted: false,
      message: `Too many open sessions for '${principal}' (${caps.maxSessionsPerPrincipal}, max_sessions_per_principal), none of them idle; close one (DELETE) or try again later`,
    };
  }
  if (sessions.length < caps.maxSessions) return { admitted: true };
  const [largest, count] = [...held].reduce((a, b) => (b[1] > a[1] ? b : a), ["", 0]);
  const session = count > own + 1 ? oldestIdle(sessions, largest) : undefined;
  if (session) return { admitted: true, evict: { session, why: "the gateway is at max_sessions" } };
  return {
    admitted: false,
    message: `Too many open sessions (${caps.maxSessions}); close one or try again later`,
  };
}

function oldestIdle(sessions: readonly HeldSession[], principal: string): HeldSession | undefined {
  let oldest: HeldSession | undefined;
  for (const session of sessions) {
    if (session.principal !== principal || !session.idle) continue;
    if (!oldest || session.lastSeen < oldest.lastSeen) oldest = session;
  }
  return oldest;
}
