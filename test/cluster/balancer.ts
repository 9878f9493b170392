// A load balancer (Debian's HAProxy or nginx) in the foreground on loopback, stopped by PID.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { accepts, type TestContext } from "./replicas.js";

/** Runs `command args`, resolves with its base URL once it accepts connections on `port`; stopped after the test. */
export async function startBalancer(
  t: TestContext,
  name: string,
  command: string,
  args: readonly string[],
  port: number,
): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "exit");
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  });
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${stderr}`);
    if (await accepts(port)) return `http://127.0.0.1:${port}`;
    if (attempt === 200) throw new Error(`${name} did not listen within 10 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
