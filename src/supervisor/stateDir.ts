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
