/** The public API: plugin authors import everything from `open-mcp-gateway`, never a deep path. */

export { Kernel, type KernelState } from "./kernel/Kernel.js";
export {
  Stage,
  createKernelHooks,
  isTapped,
  type KernelHooks,
  type GatewayMode,
  type ConfigEnv,
  type ConfigReport,
  type ShutdownReason,
  type InboundRequest,
  type Principal,
  type ServerStatus,
  type ServerStateChange,
  type ReloadOutcome,
} from "./kernel/hooks.js";
export {
  GatewayError,
  isGatewayError,
  errorMessage,
  type GatewayErrorCode,
  type GatewayErrorSubject,
} from "./kernel/errors.js";
export { createLogger, type Logger, type LogLevel } from "./kernel/logger.js";
export { Redactor, REDACTED } from "./kernel/redactor.js";
export { loadGateway, type LoadGatewayOptions, type LoadedGateway } from "./gateway/loadGateway.js";
export { definePlugin, parsePluginOptions, PluginOptionsError } from "./plugin/definePlugin.js";
export type {
  ConfigKey,
  ServerKey,
  GatewayPlugin,
  PluginContext,
  PluginFactory,
  PluginMeta,
  PluginRecord,
} from "./plugin/types.js";
export { createToken, coreTokens } from "./di/tokens.js";
export { defineConfig, type UserConfig } from "./config/defineConfig.js";
export { ConfigError } from "./config/ConfigError.js";
export { formatIssue } from "./config/issues.js";
export { redactRuntime } from "./config/secrets.js";
export { isPlainObject } from "./kernel/plainObject.js";
export type {
  GatewayConfig,
  ServerDefinition,
  RuntimeSpec,
  ConfigIssue,
  ConfigSchema,
  ConfigSource,
  CoreSettings,
  PluginEntry,
} from "./config/model.js";
export type { BackendRuntime, RuntimeConnectOptions, RuntimeContext, RuntimeDefinition } from "./runtime/types.js";
/** MCP over a backend's stdio streams, shared by every stdio runtime (a local process, an attached container). */
export {
  readBackendStdio,
  MAX_STDOUT_LINE_BYTES,
  type BackendStdioHandlers,
  type BackendStderr,
} from "./runtime/stdio/BackendStdio.js";
export { StdinWriter } from "./runtime/stdio/StdinWriter.js";
export type {
  ServerSupervisor,
  AcquireOptions,
  AdminOutcome,
  BackendNotification,
  ServerSnapshot,
} from "./supervisor/Supervisor.js";
export type { BackendInstance, BackendRequestOptions, ClientSetup } from "./supervisor/BackendInstance.js";
export { resolveStateDir, pidFilePath } from "./supervisor/stateDir.js";
export type { CapabilitySnapshot, CapabilityLists, InitializeSummary } from "./supervisor/CapabilityCache.js";

// The protocol ground floor: what runtimes and frontends need of MCP without loading the SDK's types at boot.
export {
  RpcCode,
  isMcpError,
  sdkTypes,
  MAX_MESSAGE_DEPTH,
  nestedDeeperThan,
  PASS_INPUT_REQUIRED,
} from "./protocol/protocol.js";
export { isPlainRequest, isPlainResult, type PlainRequest, type PlainResult } from "./protocol/plainMessages.js";
export { WireError, toWireError, invalidParams, methodNotFound } from "./protocol/wireErrors.js";
export { BackendError } from "./protocol/BackendError.js";

// The request pipeline and the services plugins use.
export { gatewayTokens } from "./services/tokens.js";
export {
  Authenticators,
  ANONYMOUS,
  STDIO_PRINCIPAL,
  Scope,
  hasScope,
  mayUseServer,
  type Authenticator,
  type AuthFailures,
} from "./services/auth.js";
export type { ConfigReloader, ReloadRequest, ReloadResult, ReloadStrategy, ReloadTrigger } from "./services/reload.js";
export type { HttpRoute, HttpRouteRequest, HttpReply, HttpRoutes } from "./services/httpRoutes.js";
export {
  GatewayMetrics,
  Histogram,
  CALL_BUCKETS_SECONDS,
  type HistogramSample,
  type MetricFamily,
  type MetricLabels,
  type MetricSample,
} from "./services/metrics.js";
export type {
  ForeignSessionRequest,
  RelayOutcome,
  SessionFacts,
  SessionRoute,
  SessionRouting,
  SessionStart,
  StreamEvent,
} from "./services/sessionRouting.js";
export { refuse, type RequestHooks } from "./mcp/hooks.js";
export type { ModernRequest } from "./mcp/ModernCall.js";
export type { ParkedCall, ParkedState } from "./mcp/ParkedCalls.js";
export type {
  FrontChange,
  FrontIdentity,
  McpSession,
  McpSessions,
  OpenSessionOptions,
  PassThroughMessage,
  PassThroughReply,
} from "./mcp/service.js";
export type {
  BackendMessage,
  FrontTransport,
  ListContext,
  ListedItem,
  ListKind,
  McpRequest,
  RequestOutcome,
  RequestStage,
  RpcErrorBody,
  SessionInfo,
  TraceContext,
} from "./mcp/types.js";
export { exposedName } from "./mcp/toolNames.js";
export { outcomeClass, OUTCOME_CLASSES, REFUSALS, SERVER_ERRORS, type OutcomeClass } from "./mcp/outcomeClass.js";
export { gatewayVersion } from "./version.js";

/** One copy for every plugin: a second tsyringe copy breaks injection. (zod: `import "zod"`, a peer dependency.) */
export { inject, injectable, Lifecycle, type DependencyContainer, type InjectionToken } from "./di/tsyringe.js";
/** The gateway's own zod/mini (bundled, English messages only): what the built-ins' schemas use. */
export { z as zodMini } from "./config/zod.js";
