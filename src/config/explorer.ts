import { readFile, realpath, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { cosmiconfig, defaultLoaders, type Loader } from "cosmiconfig";
import type * as JsYaml from "js-yaml";
import { ConfigError } from "./ConfigError.js";
import { SourceDocument, yamlLibrary } from "./SourceDocument.js";
import type { ConfigFormat, ConfigSource } from "./model.js";

export const MODULE_NAME = "mcpgw";

const RC_EXTENSIONS = ["", ".json", ".yaml", ".yml", ".js", ".mjs", ".cjs", ".ts"];

/** Where `mcpgw` looks, in order, in each folder from the working directory up to the project root. */
export const SEARCH_PLACES: readonly string[] = [
  "package.json",
  ...RC_EXTENSIONS.map((ext) => `.${MODULE_NAME}rc${ext}`),
  ...RC_EXTENSIONS.map((ext) => `.config/${MODULE_NAME}rc${ext}`),
  ...["yaml", "yml", "json", "js", "mjs", "cjs", "ts"].map((ext) => `${MODULE_NAME}.config.${ext}`),
];

export interface LoadedConfigFile {
  readonly source: ConfigSource & { filepath: string };
  readonly raw: unknown;
  /** Present for YAML and JSON files: turns key paths into lines. */
  readonly document?: SourceDocument;
}

let jsYamlLoad: ((text: string, filepath: string) => unknown) | undefined;

/** Loaded with the first YAML file: JSON and JS configs never need it. */
async function loadWithJsYaml(text: string, filepath: string): Promise<unknown> {
  if (!jsYamlLoad) {
    const module = (await import("js-yaml")) as typeof JsYaml & { default?: typeof JsYaml };
    const jsYaml = module.default ?? module;
    // `types` is exported by js-yaml 4 but missing from @types/js-yaml.
    const { merge } = (jsYaml as unknown as { types: { merge: JsYaml.Type } }).types;
    const schema = jsYaml.CORE_SCHEMA.extend({ implicit: [merge] });
    jsYamlLoad = (source, filename) => jsYaml.load(source, { schema, filename });
  }
  return jsYamlLoad(text, filepath);
}

/**
 * js-yaml reads the values: cold, it parses the 500 servers of bench/config-load.mjs in about 70 ms,
 * the `yaml` package in over 400 ms, which alone breaks the boot budget (docs/architecture.md). When
 * js-yaml fails, `yaml` re-reads the text for its clearer message with line and column.
 * The YAML 1.2 core schema keeps dates and the like as the strings they were written as; `<<` merge
 * keys (`<<: *defaults`) are there because docker-compose users expect them.
 */
const yamlLoader: Loader = async (filepath, content) => {
  try {
    return await loadWithJsYaml(content, filepath);
  } catch (fastError) {
    const { parse, YAMLParseError } = yamlLibrary();
    try {
      parse(content, { prettyErrors: true });
    } catch (error) {
      if (!(error instanceof YAMLParseError)) throw error;
      const pos = error.linePos?.[0];
      throw new ConfigError(
        [
          {
            severity: "error",
            file: filepath,
            path: [],
            line: pos?.line,
            column: pos?.col,
            message: yamlMessage(error.message),
          },
        ],
        "MCPGW_ERR_CONFIG_LOAD",
      );
    }
    const mark = (fastError as { mark?: { line: number; column: number } }).mark;
    throw new ConfigError(
      [
        {
          severity: "error",
          file: filepath,
          path: [],
          line: mark && mark.line + 1,
          column: mark && mark.column + 1,
          message: firstLine((fastError as Error).message),
        },
      ],
      "MCPGW_ERR_CONFIG_LOAD",
    );
  }
};

const jsonLoader: Loader = (filepath, content) => {
  try {
    // A byte-order mark (some Windows editors write one) is not JSON; positions below count from after it.
    if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
    return content.trim() === "" ? undefined : JSON.parse(content);
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    // "Unexpected end of JSON input" has no position: the problem is at the end of the text.
    const pos = positionOf(content, at ? Number(at[1]) : content.trimEnd().length);
    throw new ConfigError(
      [
        {
          severity: "error",
          file: filepath,
          path: [],
          line: pos.line,
          column: pos.column,
          message: `Invalid JSON: ${jsonMessage(message)}`,
        },
      ],
      "MCPGW_ERR_CONFIG_LOAD",
    );
  }
};

/** The yaml parser's first line, without the " at line L, column C:" that the position already says. */
function yamlMessage(message: string): string {
  return firstLine(message).replace(/ at line \d+, column \d+:?$/, "");
}

/** V8's JSON message without "in JSON at position N (line L column C)", which the issue's position already says. */
function jsonMessage(message: string): string {
  return firstLine(message)
    .replace(/^JSON Error in .*?:\s*/, "")
    .replace(/,? ?(in JSON )?at position \d+( \(line \d+ column \d+\))?/, "")
    .trim();
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const requireCache = createRequire(import.meta.url).cache;

/**
 * JS configs (ESM or CommonJS) are imported fresh each time: a reload must see the file as it is
 * now, and Node caches modules by URL (ESM) and by path (CommonJS, also when imported).
 */
const javascriptLoader: Loader = async (filepath) => {
  const real = await realpath(filepath);
  const { mtimeMs } = await stat(real);
  delete requireCache[real];
  const module = (await import(`${pathToFileURL(real).href}?mtime=${mtimeMs}`)) as { default?: unknown };
  return unwrapDefault(module.default);
};

/**
 * A transpiled module seen from ESM: `export default x` compiled to CommonJS (tsx does this for a
 * .ts file outside a `"type": "module"` package) arrives as `{ default: x }` with `__esModule`.
 */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "default" in value) {
    const keys = Object.keys(value);
    if ((value as { __esModule?: unknown }).__esModule === true || (keys.length === 1 && keys[0] === "default"))
      return (value as { default: unknown }).default;
  }
  return value;
}

/** TypeScript configs go through tsx (an optional peer), so any TS syntax works on Node 20. */
const typescriptLoader: Loader = async (filepath) => {
  let tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>;
  try {
    ({ tsImport } = (await import("tsx/esm/api")) as unknown as { tsImport: typeof tsImport });
  } catch {
    throw new ConfigError(
      [
        {
          severity: "error",
          file: filepath,
          path: [],
          message:
            "A TypeScript config needs the 'tsx' package: run `npm install tsx`, or use a YAML, JSON or JS config",
        },
      ],
      "MCPGW_ERR_CONFIG_LOAD",
    );
  }
  const module = await tsImport(pathToFileURL(filepath).href, import.meta.url);
  return unwrapDefault(module.default ?? module);
};

function createExplorer() {
  return cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: "project",
    // Any other name given with --config (config.conf, gateway.yaml.example) is read as YAML, which JSON also is.
    loaders: {
      ...defaultLoaders,
      ".js": javascriptLoader,
      ".mjs": javascriptLoader,
      ".cjs": javascriptLoader,
      ".yaml": yamlLoader,
      ".yml": yamlLoader,
      noExt: yamlLoader,
      default: yamlLoader,
      ".json": jsonLoader,
      ".ts": typescriptLoader,
      ".mts": typescriptLoader,
      ".cts": typescriptLoader,
    },
    cache: false,
    // An empty mcpgw.config.yaml is the config in use (an empty one), not "no config found".
    ignoreEmptySearchPlaces: false,
  });
}

/** Finds the config from `cwd` upward; undefined when there is none. */
export async function searchConfig(cwd: string): Promise<LoadedConfigFile | undefined> {
  const result = await runLoader(() => createExplorer().search(cwd), undefined);
  return result ? describe(result.filepath, result.config) : undefined;
}

/** Loads exactly this file, whatever its name (the original's `config.yaml` included). */
export async function loadConfigFile(filepath: string): Promise<LoadedConfigFile> {
  const absolute = path.resolve(filepath);
  const result = await runLoader(() => createExplorer().load(absolute), absolute);
  return describe(absolute, result?.config);
}

async function describe(filepath: string, config: unknown): Promise<LoadedConfigFile> {
  const format = formatOf(filepath);
  const source = { filepath, dir: path.dirname(filepath), format };
  if (format === "js" || format === "ts") return { source, raw: config ?? {} };
  const text = await readFile(filepath, "utf8");
  return {
    source,
    raw: config ?? {},
    document: SourceDocument.register(
      filepath,
      new SourceDocument(text, format === "package.json" ? [MODULE_NAME] : []),
    ),
  };
}

export function formatOf(filepath: string): ConfigFormat {
  const base = path.basename(filepath);
  if (base === "package.json") return "package.json";
  const ext = path.extname(base);
  if (ext === ".json") return "json";
  if ([".js", ".mjs", ".cjs"].includes(ext)) return "js";
  if ([".ts", ".mts", ".cts"].includes(ext)) return "ts";
  return "yaml";
}

async function runLoader<T>(load: () => Promise<T>, filepath: string | undefined): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const err = error as NodeJS.ErrnoException & { filepath?: unknown };
    // cosmiconfig sets `filepath` on errors a loader throws (a JS config that throws, say) during a search.
    const file =
      filepath ??
      (typeof err.filepath === "string" ? err.filepath : typeof err.path === "string" ? err.path : undefined);
    const message =
      err.code === "ENOENT"
        ? `Config file not found: ${file ?? "?"}`
        : `Could not load the config: ${firstLine(err.message ?? String(error))}`;
    throw new ConfigError([{ severity: "error", file, path: [], message }], "MCPGW_ERR_CONFIG_LOAD");
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

/** Reads a catalog file (the original's `catalog.yaml`); YAML or JSON. */
export async function loadCatalogFile(filepath: string): Promise<LoadedConfigFile> {
  let text: string;
  try {
    text = await readFile(filepath, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? `Catalog file not found: ${filepath}`
        : `Could not read the catalog: ${(error as Error).message}`;
    throw new ConfigError(
      [{ severity: "error", file: filepath, path: ["catalog_path"], message }],
      "MCPGW_ERR_CONFIG_LOAD",
    );
  }
  const loader = formatOf(filepath) === "json" ? jsonLoader : yamlLoader;
  const raw = (await loader(filepath, text)) ?? {};
  return {
    source: { filepath, dir: path.dirname(filepath), format: formatOf(filepath) },
    raw,
    document: SourceDocument.register(filepath, new SourceDocument(text)),
  };
}
