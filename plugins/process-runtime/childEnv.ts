/**
 * The variables a child inherits from the gateway: what programs need to find themselves and
 * their tools, and nothing that could carry a secret. Everything else must be configured under
 * the server's `env:`.
 */
export const INHERITED_ENV_KEYS = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "TERM",
  "TZ",
  "TMPDIR",
  // Windows: without these, many programs cannot start at all.
  "SYSTEMROOT",
  "SYSTEMDRIVE",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "APPDATA",
  "LOCALAPPDATA",
  "USERPROFILE",
] as const;

/** The safe inherited set plus the server's own `env` (which wins). */
export function childEnvironment(
  serverEnv: Readonly<Record<string, string>>,
  parentEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV_KEYS) {
    const value = parentEnv[key];
    // A value that looks like a shell function definition is a known injection vector (shellshock); never pass it on.
    if (value !== undefined && !value.startsWith("()")) env[key] = value;
  }
  return { ...env, ...serverEnv };
}
