import { REDACTED, type Redactor } from "../kernel/redactor.js";
import type { GatewayConfig, RuntimeSpec, ServerDefinition } from "./model.js";
import { isPlainObject } from "../kernel/plainObject.js";

/**
 * Every value of `config` the gateway must never show: what `${VAR}` took from the environment,
 * and in each server entry its `env` values, its `headers` values (and the credential after a
 * scheme word such as `Bearer`) and the user info of its URLs, however they were written.
 */
export function configSecrets(config: GatewayConfig): string[] {
  return [...config.secrets, ...config.servers.flatMap(serverSecrets)];
}

function serverSecrets(server: ServerDefinition): string[] {
  const out = Object.values(server.env);
  const headers = server.runtime.headers;
  if (isPlainObject(headers)) {
    for (const value of Object.values(headers)) {
      if (typeof value !== "string") continue;
      out.push(value);
      const credential = /^\S+\s+(\S.*)$/.exec(value)?.[1];
      if (credential) out.push(credential);
    }
  }
  for (const value of Object.values(server.runtime)) {
    if (typeof value !== "string" || !value.includes("@")) continue;
    try {
      const url = new URL(value);
      out.push(decodeURIComponent(url.username), decodeURIComponent(url.password));
    } catch {
      // Not a URL: nothing to take apart.
    }
  }
  return out;
}

/**
 * A server's runtime as the admin API and `mcpgw servers --json` show it: header values and URL
 * user info and query values masked, every other string through the redactor (an argument
 * holding a token).
 */
export function redactRuntime(runtime: RuntimeSpec, redactor: Redactor): Record<string, unknown> {
  const out = redactor.value({ ...runtime }) as Record<string, unknown>;
  if (isPlainObject(runtime.headers))
    out.headers = Object.fromEntries(Object.keys(runtime.headers).map((key) => [key, REDACTED]));
  if (typeof runtime.url === "string") out.url = redactor.url(runtime.url);
  return out;
}
