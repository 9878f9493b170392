import { createRequire } from "node:module";
import type * as Tsyringe from "tsyringe";

/**
 * The one way into tsyringe. It is loaded through CommonJS: its ESM build is many small modules and
 * took 63 ms to import at boot, the CommonJS build 22 ms. Every import of tsyringe in the gateway (and,
 * through `open-mcp-gateway`, in plugins) goes through here, so there is only one copy: two copies of
 * tsyringe keep two type registries, and injection then fails with "TypeInfo not known".
 */
const require = createRequire(import.meta.url);
require("reflect-metadata");
const tsyringe = require("tsyringe") as typeof Tsyringe;

export const { container, inject, injectable, Lifecycle } = tsyringe;
export type { DependencyContainer, InjectionToken } from "tsyringe";
