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
} from "./kernel/hooks.js";
export { GatewayError, isGatewayError, type GatewayErrorCode, type GatewayErrorSubject } from "./kernel/errors.js";
export { createLogger, type Logger, type LogLevel } from "./kernel/logger.js";
export { loadGateway, type LoadGatewayOptions, type LoadedGateway } from "./kernel/loadGateway.js";
export { definePlugin, parsePluginOptions, PluginOptionsError } from "./plugin/definePlugin.js";
export type { GatewayPlugin, PluginContext, PluginFactory, PluginMeta, PluginRecord } from "./plugin/types.js";
export { createToken, coreTokens } from "./di/tokens.js";
export { defineConfig, type UserConfig } from "./config/defineConfig.js";
export { ConfigError } from "./config/ConfigError.js";
export { formatIssue } from "./config/issues.js";
export { secretMasker } from "./config/secrets.js";
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
export { Supervisor, type AcquireOptions, type AdminOutcome, type BackendNotification, type ServerSnapshot } from "./supervisor/Supervisor.js";
export type { BackendInstance, BackendRequestOptions, ClientSetup } from "./supervisor/BackendInstance.js";
export { BackendError } from "./supervisor/BackendError.js";
export type { CapabilitySnapshot, CapabilityLists, InitializeSummary } from "./supervisor/CapabilityCache.js";
/** One copy of each for every plugin: a second tsyringe copy breaks injection, a second zod copy breaks nothing but size. */
export { inject, injectable, Lifecycle, type DependencyContainer, type InjectionToken } from "./di/tsyringe.js";
export { z } from "zod";
