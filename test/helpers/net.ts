import { connect } from "node:net";

/** What a TCP connect to 127.0.0.1:`port` meets: "connected", or the error code (ECONNREFUSED when nothing listens). */
export function connectOutcome(port: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
