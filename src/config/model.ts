/** The normalised configuration every plugin reads. Keys keep the file's snake_case names. */

export type ConfigFormat = "yaml" | "json" | "js" | "ts" | "package.json" | "none";

export interface ConfigSource {
  /** Absolute path of the file, absent when the gateway runs with no config file at all. */
  readonly filepath?: string;
  /** Folder that relative paths in this file (catalog, plugins, working_dir) resolve from. */
  readonly dir: string;
  readonly format: ConfigFormat;
}

export interface RuntimeSpec {
  readonly type: string;
  readonly [option: string]: unknown;
}

export type Isolation = "shared" | "session";

export interface ServerDefinition {
  readonly id: string;
  readonly display_name: string;
  /** Set when the entry names an unset `${VAR}`: the server is listed but refuses to start, with this reason. */
  readonly unavailable?: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly runtime: RuntimeSpec;
  readonly env: Readonly<Record<string, string>>;
  readonly idle_timeout_seconds?: number;
  readonly request_timeout_seconds?: number;
  readonly start_timeout_seconds?: number;
  readonly min_uptime_seconds?: number;
  /** `isolation: session`: at most this many backends run at once, one per session. */
  readonly max_session_instances?: number;
  readonly isolation: Isolation;
  readonly tool_prefix: string;
  readonly autostart: boolean;
  /** Answered to a shared backend's roots/list that several client sessions share. */
  readonly roots?: ReadonlyArray<{ readonly uri: string; readonly name?: string }>;
  /** Fields plugins declared with `ctx.defineServerKey`, validated by their schemas; read them through its accessor. */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Where the entry was written, so later errors can point at it. */
  readonly origin: { readonly file?: string; readonly path: readonly PropertyKey[]; readonly dir: string };
}

/** Settings the core owns; plugins add their own keys (read them with their own schema's type). */
export interface CoreSettings {
  readonly log_level?: string;
  readonly idle_timeout_seconds: number;
  readonly request_timeout_seconds: number;
  readonly start_timeout_seconds: number;
  readonly health_check_interval_seconds: number;
  readonly min_uptime_seconds: number;
  /** Calls in flight to one backend; more wait in its queue. */
  readonly max_connections_per_server: number;
  /** Calls one backend's queue holds; past it a call is refused at once. */
  readonly max_queued_calls_per_server: number;
  readonly max_session_instances: number;
  readonly tool_name_separator: string;
  readonly max_tool_name_length: number;
  readonly catalog_path?: string;
  readonly state_dir?: string;
}

export interface PluginEntry {
  /** The key as written under `plugins:` (a builtin id, a package name or shorthand, or a path). */
  readonly specifier: string;
  readonly enabled: boolean;
  readonly options: unknown;
  /** Set when a JS/TS config passes a plugin object instead of a name. */
  readonly inline?: unknown;
}

export interface GatewayConfig {
  readonly source: ConfigSource;
  readonly catalog?: ConfigSource;
  readonly preset: "default" | "none";
  readonly plugins: readonly PluginEntry[];
  readonly settings: CoreSettings & Readonly<Record<string, unknown>>;
  readonly servers: readonly ServerDefinition[];
  /** Every value `${VAR}` took from the environment: shown nowhere (API answers, logs of backend output). */
  readonly secrets: readonly string[];
}

/** One problem found in a config file: what is wrong, where, and how bad. */
export interface ConfigIssue {
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly file?: string;
  readonly path: readonly PropertyKey[];
  readonly line?: number;
  readonly column?: number;
}

/** Structural schema type: any zod (3.25+ or 4) schema fits, so plugins may bring their own copy. */
export interface ConfigSchema<T = unknown> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly SchemaIssue[] } };
}

export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}
