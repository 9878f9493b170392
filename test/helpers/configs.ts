/**
 * A config of `count` local-process servers (none started), in the shape bench/config-load.mjs
 * times at boot: block mappings, flow lists and maps, `${VAR:-default}` in args and env.
 */
export function manyServersYaml(count: number): string {
  const lines = ["listen_addr: 127.0.0.1:0", "log_level: info", "servers:"];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - id: server-${i}`,
      `    display_name: Server ${i}`,
      `    tags: [bench, group-${i % 10}]`,
      "    runtime:",
      "      type: local-process",
      "      command: node",
      `      args: ["server.js", "--index", "${i}", "--token", "\${BENCH_TOKEN:-none}"]`,
      `    env: { INDEX: "${i}", TOKEN: "\${BENCH_TOKEN:-none}" }`,
      `    idle_timeout_seconds: ${60 + (i % 5)}`,
    );
  }
  return lines.join("\n") + "\n";
}
