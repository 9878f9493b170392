// Debian's HAProxy in the foreground on loopback, its config in a temp dir, stopped by PID.
import path from "node:path";
import { tempDir, writeFiles } from "../helpers/files.js";
import { startBalancer } from "./balancer.js";
import { freePort, type TestContext } from "./replicas.js";

export const HAPROXY = "/usr/sbin/haproxy";

/**
 * The configs docs/cluster.md shows: plain round-robin (every replica gets every session's requests:
 * correctness rests on the relay), or `stick: true`, learning each session's owner from the
 * Mcp-Session-Id of its initialize answer (the relay then only covers failover).
 */
export function haproxyConfig(port: number, replicas: readonly number[], options: { stick?: boolean } = {}): string {
  return [
    "global",
    "  maxconn 256",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 1h",
    "  timeout server 1h",
    "  option redispatch",
    "  retries 2",
    "  retry-on conn-failure empty-response 503",
    "frontend mcp_in",
    `  bind 127.0.0.1:${port}`,
    "  default_backend mcpgw",
    "backend mcpgw",
    "  balance roundrobin",
    ...(options.stick
      ? [
          "  stick-table type string len 512 size 1m expire 30m",
          "  stick on req.hdr(mcp-session-id)",
          "  stick store-response res.hdr(mcp-session-id)",
        ]
      : []),
    "  option httpchk",
    "  http-check send meth GET uri /ready ver HTTP/1.1 hdr Host 127.0.0.1",
    ...replicas.map((replica, index) => `  server r${index + 1} 127.0.0.1:${replica} check inter 500 fall 1 rise 1`),
    "",
  ].join("\n");
}

/** Starts HAProxy in front of `replicas`; resolves once it accepts connections. */
export async function startHaproxy(
  t: TestContext,
  replicas: readonly number[],
  options: { stick?: boolean } = {},
): Promise<string> {
  const port = await freePort();
  const dir = tempDir(t, "mcpgw-haproxy-");
  writeFiles(dir, { "haproxy.cfg": haproxyConfig(port, replicas, options) });
  return startBalancer(t, "haproxy", HAPROXY, ["-f", path.join(dir, "haproxy.cfg"), "-db"], port);
}
