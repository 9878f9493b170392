import type { ConfigIssue, ConfigSchema, SchemaIssue } from "./model.js";
import { didYouMean } from "./issues.js";

export interface IssueSite {
  readonly file?: string;
  readonly locate?: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;
}

export function issueAt(
  site: IssueSite,
  path: readonly PropertyKey[],
  message: string,
  severity: ConfigIssue["severity"] = "error",
): ConfigIssue {
  const pos = site.locate?.(path);
  return { severity, message, file: site.file, path, line: pos?.line, column: pos?.column };
}

/** Validates `value` and turns schema issues into config issues at `basePath`, with did-you-mean hints for unknown keys. */
export function parseWithSchema<T>(
  schema: ConfigSchema<T>,
  value: unknown,
  site: IssueSite,
  basePath: readonly PropertyKey[],
  issues: ConfigIssue[],
): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) issues.push(...toConfigIssues(schema, issue, site, basePath));
  return undefined;
}

function toConfigIssues(
  schema: ConfigSchema,
  issue: SchemaIssue,
  site: IssueSite,
  basePath: readonly PropertyKey[],
): ConfigIssue[] {
  const path = [...basePath, ...issue.path];
  if (issue.code === "unrecognized_keys" && issue.keys) {
    const known = knownKeysAt(schema, issue.path);
    return issue.keys.map((key) => issueAt(site, [...path, key], `Unknown key '${key}'${didYouMean(key, known)}`));
  }
  return [issueAt(site, path, missingField(issue) ?? issue.message)];
}

/** zod's "expected string, received undefined" (v4) or "Required" (v3) for an absent key, in the original's words. */
function missingField(issue: SchemaIssue): string | undefined {
  const key = issue.path[issue.path.length - 1];
  if (typeof key !== "string") return undefined;
  const absent =
    issue.message === "Required" || (issue.code === "invalid_type" && /received undefined$/.test(issue.message));
  return absent ? `missing required field: ${key}` : undefined;
}

/** Keys an object schema accepts at `path`, read structurally so zod 3 and zod 4 schemas both work. */
export function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const part of path) {
    if (!current) return [];
    const shape = shapeOf(current);
    if (typeof part === "number") current = unwrap(element(current));
    else current = unwrap(shape?.[part as string] ?? element(current));
  }
  return Object.keys(shapeOf(current) ?? {});
}

type Loose = Record<string, any>;

function unwrap(schema: unknown): Loose | undefined {
  let current = schema as Loose | undefined;
  for (let depth = 0; current && depth < 10; depth++) {
    const def = current._zod?.def ?? current._def;
    const inner = def?.innerType ?? def?.schema ?? (def?.type === "pipe" ? def.in : undefined);
    if (!inner) break;
    current = inner;
  }
  return current;
}

function shapeOf(schema: Loose | undefined): Record<string, unknown> | undefined {
  const shape = schema?.shape ?? schema?._zod?.def?.shape ?? schema?._def?.shape?.();
  return shape && typeof shape === "object" ? shape : undefined;
}

function element(schema: Loose): unknown {
  const def = schema._zod?.def ?? schema._def;
  return def?.element ?? def?.valueType ?? (def?.typeName === "ZodArray" ? def.type : undefined);
}
