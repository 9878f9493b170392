import path from "node:path";
import type { ConfigIssue } from "./model.js";

/** `file:line:col key.path: message`, the shape editors and terminals turn into links. */
export function formatIssue(issue: ConfigIssue, cwd = process.cwd()): string {
  const where: string[] = [];
  if (issue.file) {
    const rel = path.relative(cwd, issue.file);
    let loc = rel && !rel.startsWith("..") ? rel : issue.file;
    if (issue.line !== undefined) loc += `:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ""}`;
    where.push(loc);
  }
  if (issue.path.length > 0) where.push(formatPath(issue.path));
  const prefix = issue.severity === "warning" ? "warning: " : "";
  return where.length > 0 ? `${where.join(" ")}: ${prefix}${issue.message}` : `${prefix}${issue.message}`;
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const lower = word.toLowerCase();
    const target = candidate.toLowerCase();
    // A unit or qualifier left off (`debounce` for `debounce_ms`, `listen` for `listen_addr`) counts as close.
    const distance = target.startsWith(`${lower}_`) && lower.length >= 4 ? 1 : editDistance(lower, target);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Names people bring from other tools (Claude Desktop, docker-compose, camelCase) for keys spelled differently here. */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  cwd: ["working_dir"],
  workdir: ["working_dir"],
  working_directory: ["working_dir"],
  workingDir: ["working_dir"],
  environment: ["env"],
  displayName: ["display_name"],
  name: ["display_name"],
  listen: ["listen_addr"],
  listenAddr: ["listen_addr"],
  apiKey: ["api_key"],
  apiKeys: ["api_keys"],
  logLevel: ["log_level"],
  catalog: ["catalog_path"],
  catalogPath: ["catalog_path"],
  toolPrefix: ["tool_prefix"],
  idleTimeoutSeconds: ["idle_timeout_seconds"],
  timeout: ["request_timeout_seconds"],
  startTimeout: ["start_timeout_seconds"],
  startup_timeout: ["start_timeout_seconds"],
};

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const list = [...candidates];
  const synonym = SYNONYMS[word]?.find((candidate) => list.includes(candidate));
  const match = synonym ?? closest(word, list);
  return match ? ` (did you mean '${match}'?)` : "";
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const name = String(part);
      out += /^[A-Za-z_][\w-]*$/.test(name) ? (out ? `.${name}` : name) : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}
