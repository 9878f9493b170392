import { isPlainObject } from "../kernel/plainObject.js";
import type { ConfigIssue } from "./model.js";
import { SourceDocument } from "./SourceDocument.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SubstitutionContext {
  readonly env: NodeJS.ProcessEnv;
  readonly file?: string;
  readonly issues: ConfigIssue[];
  /** Collects every value taken from the environment, so the gateway can keep them out of what it shows. */
  readonly used?: Set<string>;
  /** Turns a key path into a line; defaults to the document last read for `file`. */
  readonly locate?: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;
  /**
   * Whether an unset variable at this path disables only what holds it (a server entry), so it is a
   * warning: the config stays usable without that part.
   */
  readonly localTo?: (path: readonly PropertyKey[]) => boolean;
}

/** A `${VAR}` left unresolved: where it is written and which variable it names. */
export interface UnsetVariable {
  readonly path: readonly PropertyKey[];
  readonly name: string;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value (keys are left alone);
 * `$${` stands for a literal `${`. Problems are collected with the key path they sit at;
 * messages name the variable, never a value.
 */
export function substituteEnv(value: unknown, context: SubstitutionContext, path: PropertyKey[] = []): unknown {
  const unresolved = new Set<string>();
  const unset: UnsetVariable[] = [];
  const inner: Inner = { ...context, unresolved, unset };
  const out = substituteAt(value, inner, [...path]);
  if (out !== null && typeof out === "object") {
    if (unresolved.size > 0) unresolvedPaths.set(out, unresolved);
    if (unset.length > 0) unsetVariables.set(out, unset);
  }
  return out;
}

type Inner = SubstitutionContext & { unresolved?: Set<string>; unset?: UnsetVariable[] };

/** For each substituted tree with problems: the key paths (see `pathKey`) whose value kept an unresolved reference. */
const unresolvedPaths = new WeakMap<object, ReadonlySet<string>>();
const unsetVariables = new WeakMap<object, readonly UnsetVariable[]>();

/** The unset variables of `tree` (a result of `substituteEnv`) written at `prefix` or below it. */
export function unsetVariablesUnder(tree: unknown, prefix: readonly PropertyKey[]): UnsetVariable[] {
  const all = tree !== null && typeof tree === "object" ? (unsetVariables.get(tree) ?? []) : [];
  return all.filter((unset) => prefix.every((part, index) => String(unset.path[index]) === String(part)));
}

/**
 * The key paths of `tree` (a result of `substituteEnv`) that hold a reference which could not be
 * resolved. Validation skips its own complaints about those values: the substitution problem is
 * the cause, and "url must be an http:// URL" about a literal `${WEB_URL}` would only be noise.
 */
export function unresolvedPathsOf(tree: unknown): ReadonlySet<string> | undefined {
  return tree !== null && typeof tree === "object" ? unresolvedPaths.get(tree) : undefined;
}

export function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((part) => (typeof part === "number" ? part : String(part))));
}

/** `path` is one stack pushed and popped on the way down (copied only when a problem is reported): configs can be large. */
function substituteAt(value: unknown, context: SubstitutionContext, path: PropertyKey[]): unknown {
  if (typeof value === "string") return substituteString(value, context, path);
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      path.push(index);
      const out = substituteAt(item, context, path);
      path.pop();
      return out;
    });
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      path.push(key);
      out[key] = substituteAt(value[key], context, path);
      path.pop();
    }
    return out;
  }
  return value;
}

function substituteString(text: string, context: SubstitutionContext, path: PropertyKey[]): string {
  if (!text.includes("${")) return text;
  let out = "";
  let index = 0;
  while (index < text.length) {
    if (text.startsWith("$${", index)) {
      out += "${";
      index += 3;
      continue;
    }
    if (!text.startsWith("${", index)) {
      out += text[index];
      index += 1;
      continue;
    }
    const close = text.indexOf("}", index + 2);
    if (close === -1) {
      report(
        context,
        path,
        "Invalid environment variable reference: '${' is never closed with '}' (write $${ for a literal ${)",
      );
      return out + text.slice(index);
    }
    const body = text.slice(index + 2, close);
    const separator = body.indexOf(":-");
    const name = separator === -1 ? body : body.slice(0, separator);
    // A reference that cannot be resolved stays as written: the config is invalid anyway, and an
    // empty string in its place would only add follow-on errors ("command is required").
    if (!NAME.test(name)) {
      report(
        context,
        path,
        `Invalid environment variable reference: '\${${body}}' (a name is letters, digits and '_', not starting with a digit)`,
      );
      out += text.slice(index, close + 1);
    } else {
      const current = context.env[name];
      if (separator !== -1) {
        const taken = current === undefined || current === "" ? body.slice(separator + 2) : current;
        if (taken === current) context.used?.add(current);
        out += taken;
      } else if (current === undefined) {
        const local = context.localTo?.(path) ?? false;
        (context as Inner).unset?.push({ path: [...path], name });
        report(
          context,
          path,
          local
            ? `Environment variable '${name}' is not set: this server is unavailable until it is set (or write \${${name}:-default})`
            : `Environment variable '${name}' is not set; set it or write \${${name}:-default}`,
          local ? "warning" : "error",
        );
        out += text.slice(index, close + 1);
      } else {
        context.used?.add(current);
        out += current;
      }
    }
    index = close + 1;
  }
  return out;
}

function report(
  context: Inner,
  path: readonly PropertyKey[],
  message: string,
  severity: ConfigIssue["severity"] = "error",
): void {
  context.unresolved?.add(pathKey(path));
  const pos = context.locate ? context.locate(path) : SourceDocument.forFile(context.file)?.locate(path);
  context.issues.push({
    severity,
    message,
    file: context.file,
    path: [...path],
    line: pos?.line,
    column: pos?.column,
  });
}
