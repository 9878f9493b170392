// Debian's redis-server in the foreground on loopback, its data dir a temp dir, stopped by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { tempDir } from "../helpers/files.js";
import { freePort, type TestContext } from "./replicas.js";

export const REDIS_SERVER = "/usr/bin/redis-server";

export interface RedisProcess {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** `port`: a Redis started again where a stopped one listened (its data gone: nothing is saved). */
export async function startRedis(t: TestContext, port?: number): Promise<RedisProcess> {
  port ??= await freePort();
  const dir = tempDir(t, "mcpgw-redis-");
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await exited;
  };
  t.after(stop);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, port, process: child, stop };
}
