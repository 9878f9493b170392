import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { GatewayConfig } from "../config/model.js";

/**
 * Where the gateway keeps what survives a restart (the capability cache): `state_dir` from the
 * config (relative to the config file's folder), else the user's cache folder.
 */
export function resolveStateDir(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string {
  const configured = config.settings.state_dir;
  if (configured) return path.resolve(config.source.dir, configured);
  const cacheHome =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), ".cache");
  return path.join(cacheHome, "mcpgw");
}

/**
 * Where a serving gateway writes its pid (for `mcpgw reload` by SIGHUP): in the state dir, one file
 * per config file, so gateways of different configs sharing a state dir do not overwrite each other's.
 */
export function pidFilePath(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string {
  const owner = config.source.filepath ?? config.source.dir;
  const tag = createHash("sha256").update(owner).digest("hex").slice(0, 12);
  return path.join(resolveStateDir(config, env), `mcpgw-${tag}.pid`);
}
