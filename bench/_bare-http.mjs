#!/usr/bin/env node
// Not a benchmark: the physical limit of a Node round trip. node:http answering every JSON-RPC
// request with a result that echoes its id (no MCP, no validation), and notifications with 202.
import http from "node:http";

const listener = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const id = /"id":(\d+)/.exec(Buffer.concat(chunks).toString())?.[1];
    if (id === undefined) return void response.writeHead(202).end();
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(`{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"echo"}]}}`);
  });
});
listener.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stderr.write(`listening on http://127.0.0.1:${listener.address().port}/mcp\n`);
});
