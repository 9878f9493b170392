// Debian's nginx in the foreground on loopback (one process: no master, no workers), its config, pid,
// logs and temp files in a temp dir, stopped by PID.
import path from "node:path";
import { tempDir, writeFiles } from "../helpers/files.js";
import { startBalancer } from "./balancer.js";
import { freePort, type TestContext } from "./replicas.js";

export const NGINX = "/usr/sbin/nginx";

export interface TaggedReplica {
  readonly port: number;
  /** The replica's `cluster.session_tag`: the clear prefix of the session ids it mints. */
  readonly tag: string;
}

/**
 * The `http { }` part docs/deployment.md shows: a session id's clear tag (`r2.v1...`, or the
 * `sessionId` of a legacy `/messages` URL) picks its owner's upstream, with the next replica as backup
 * for when the owner is down (it adopts the session or answers 404); anything else round-robin.
 */
export function nginxRouting(port: number, replicas: readonly TaggedReplica[]): string {
  const server = (replica: TaggedReplica) => `server 127.0.0.1:${replica.port}`;
  return [
    `upstream mcpgw { ${replicas.map((replica) => `${server(replica)};`).join(" ")} }`,
    ...replicas.map(
      (replica, index) =>
        `upstream mcpgw_${replica.tag} { ${server(replica)}; ${server(replicas[(index + 1) % replicas.length]!)} backup; }`,
    ),
    `map "$http_mcp_session_id$arg_sessionId" $mcpgw_upstream {`,
    "  default mcpgw;",
    ...replicas.map((replica) => `  "~^${replica.tag}\\." mcpgw_${replica.tag};`),
    "}",
    "server {",
    `  listen 127.0.0.1:${port};`,
    "  location / {",
    "    proxy_pass http://$mcpgw_upstream;",
    "    proxy_http_version 1.1;",
    '    proxy_set_header Connection "";',
    "    proxy_set_header Host $http_host;",
    "    proxy_buffering off;",
    "    proxy_request_buffering off;",
    "    proxy_read_timeout 1h;",
    "    proxy_next_upstream error timeout;",
    "  }",
    "}",
  ].join("\n");
}

/** Starts nginx in front of `replicas`, routing by session tag; resolves once it accepts connections. */
export async function startNginx(t: TestContext, replicas: readonly TaggedReplica[]): Promise<string> {
  const port = await freePort();
  const dir = tempDir(t, "mcpgw-nginx-");
  const file = (name: string) => path.join(dir, name);
  writeFiles(dir, {
    "nginx.conf": [
      "daemon off;",
      "master_process off;",
      `pid ${file("nginx.pid")};`,
      `error_log ${file("error.log")} warn;`,
      "events { worker_connections 256; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (kind) => `  ${kind}_temp_path ${file(`${kind}_temp`)};`,
      ),
      nginxRouting(port, replicas),
      "}",
      "",
    ].join("\n"),
  });
  // -e: the log of the start itself, before nginx.conf names one (the compiled-in /var/log path otherwise).
  return startBalancer(t, "nginx", NGINX, ["-p", dir, "-c", file("nginx.conf"), "-e", file("error.log")], port);
}
