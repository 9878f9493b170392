// A minimal Docker registry (HTTP API v2, Basic auth) on 127.0.0.1, serving one small image, so pulls
// can be tested without a reachable registry: the daemon treats 127.0.0.0/8 as an insecure (HTTP) registry.
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";

export interface TestRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  readonly address: string;
  /** Every Authorization header the daemon sent. */
  readonly authorizations: string[];
  /** How many manifest requests (GET or HEAD) came: each pull asks at least once. */
  manifests(): number;
  close(): Promise<void>;
}

const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

export async function testRegistry(user: string, password: string): Promise<TestRegistry> {
  const tar = tarOf("hello.txt", "hello from the test registry\n");
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/hello.txt"] },
      rootfs: { type: "layers", diff_ids: [digest(tar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: digest(config),
      },
      layers: [
        { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: layer.length, digest: digest(layer) },
      ],
    }),
  );
  const blobs = new Map([
    [digest(config), config],
    [digest(layer), layer],
  ]);
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const authorizations: string[] = [];
  let manifests = 0;
  const server: Server = createServer((request, response) => {
    if (request.headers.authorization) authorizations.push(request.headers.authorization);
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { "www-authenticate": 'Basic realm="mcpgw-test"', "content-type": "application/json" });
      response.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const url = request.url ?? "";
    const send = (body: Buffer, type: string, extra: Record<string, string> = {}) => {
      response.writeHead(200, { "content-type": type, "content-length": body.length, ...extra });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (url === "/v2/") return send(Buffer.from("{}"), "application/json");
    if (/^\/v2\/.+\/manifests\/.+$/.test(url)) {
      // A pull of an image already present may only HEAD the manifest (its digest says it is up to date).
      manifests += 1;
      return send(manifest, MANIFEST_TYPE, { "docker-content-digest": digest(manifest) });
    }
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]+)$/.exec(url);
    if (blob && blobs.has(blob[1]!)) return send(blobs.get(blob[1]!)!, "application/octet-stream");
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ errors: [{ code: "NOT_FOUND", message: url }] }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    authorizations,
    manifests: () => manifests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function digest(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A tar archive holding one regular file (ustar headers, written by hand: no dependency for this). */
function tarOf(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
  field(0, 100, name);
  field(100, 8, "0000755\0");
  field(108, 8, "0000000\0");
  field(116, 8, "0000000\0");
  field(124, 12, `${body.length.toString(8).padStart(11, "0")}\0`);
  field(
    136,
    12,
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, "0")}\0`,
  );
  field(148, 8, "        ");
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  const sum = header.reduce((total, byte) => total + byte, 0);
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding, Buffer.alloc(1024)]);
}
