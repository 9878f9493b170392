import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "./replicas.js";

export interface RoundRobin {
  readonly base: string;
  /** Requests sent to each target, in target order. */
  readonly hits: number[];
}

/**
 * The plainest load balancer: each HTTP request (not connection) to the next target in turn, no
 * stickiness, streams piped both ways. Whatever reaches a replica that does not hold the session
 * proves the cluster's relay.
 */
export async function roundRobin(t: TestContext, ports: readonly number[]): Promise<RoundRobin> {
  const hits = ports.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next++ % ports.length;
    hits[index]! += 1;
    const upstream = http.request(
      { host: "127.0.0.1", port: ports[index], method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}
