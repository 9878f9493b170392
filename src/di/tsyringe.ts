import "reflect-metadata";
import tsyringe from "tsyringe";

/**
 * The one way into tsyringe. Node loads its CommonJS build here (the package has no `exports`, so
 * `main` wins); its ESM build is many small modules and took 63 ms to import at boot, the CommonJS
 * build 22 ms, and the bundle inlines it. Every import of tsyringe in the gateway (and, through
 * `open-mcp-gateway`, in plugins) goes through here, so there is only one copy: two copies of tsyringe
 * keep two type registries, and injection then fails with "TypeInfo not known".
 */
export const { container, inject, injectable, Lifecycle } = tsyringe;
export type { DependencyContainer, InjectionToken } from "tsyringe";
