import { spawn } from "node:child_process";
import { binOf, freePort } from "../supervisor/harness.js";

interface TestContext {
  after(fn: () => unknown): void;
}

/** Runs server-everything's HTTP mode (`streamableHttp` or `sse`) on a free port; killed when the test ends. */
export async function startEverythingHttp(t: TestContext, mode: "streamableHttp" | "sse"): Promise<number> {
  const port = await freePort();
  const child = spawn(binOf("mcp-server-everything"), [mode], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  // It says on stdout or stderr once it listens; waiting for that line is the event.
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (new RegExp(`port ${port}`).test(seen)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server-everything ${mode} exited (${code}): ${seen}`)));
  });
  return port;
}
