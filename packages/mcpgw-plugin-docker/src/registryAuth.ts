import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** What the Engine API takes as X-Registry-Auth. */
export interface RegistryAuth {
  readonly serveraddress: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

interface DockerConfigFile {
  readonly auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
}

const DOCKER_HUB = "https://index.docker.io/v1/";

/**
 * Credentials for the registry `image` comes from, as the docker CLI keeps them: DOCKER_AUTH_CONFIG
 * (the config file's JSON in a variable, as CI systems pass it), else $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json. Only stored `auths` entries: credential helpers (credsStore) are programs the
 * plugin does not run.
 */
export function registryAuth(image: string, env: NodeJS.ProcessEnv = process.env): RegistryAuth | undefined {
  const config = readConfig(env);
  const registry = registryOf(image);
  const keys =
    registry === "docker.io" ? [DOCKER_HUB, "docker.io", "index.docker.io", "registry-1.docker.io"] : [registry];
  for (const [key, entry] of Object.entries(config?.auths ?? {})) {
    if (!keys.includes(hostOf(key))) continue;
    const serveraddress = registry === "docker.io" ? DOCKER_HUB : registry;
    if (entry.identitytoken) return { serveraddress, identitytoken: entry.identitytoken };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { serveraddress, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { serveraddress, username: entry.username, password: entry.password };
  }
  return undefined;
}

/** `ghcr.io/org/x:1` → ghcr.io; `mcp/time`, `ubuntu` → docker.io (the first part is a registry only with a dot, a port, or localhost). */
export function registryOf(image: string): string {
  const first = image.split("/")[0]!;
  if (image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return first;
  return "docker.io";
}

function hostOf(key: string): string {
  if (key === DOCKER_HUB) return key;
  return key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
}

function readConfig(env: NodeJS.ProcessEnv): DockerConfigFile | undefined {
  try {
    if (env.DOCKER_AUTH_CONFIG) return JSON.parse(env.DOCKER_AUTH_CONFIG) as DockerConfigFile;
    const dir = env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker");
    return JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as DockerConfigFile;
  } catch {
    return undefined;
  }
}
