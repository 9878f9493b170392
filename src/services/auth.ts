import type { GatewayConfig } from "../config/model.js";
import { GatewayError } from "../kernel/errors.js";
import type { InboundRequest, Principal } from "../kernel/hooks.js";

/** Scope names a principal may hold; `*` holds every scope. */
export const Scope = { ALL: "*", MCP: "mcp", ADMIN: "admin" } as const;

/** Who calls when no authenticator is registered: everything is allowed (loopback-only by default). */
export const ANONYMOUS: Principal = Object.freeze({ id: "anonymous", scopes: Object.freeze([Scope.ALL]) });
/** The local client of `mcpgw stdio`: the user who started the process. */
export const STDIO_PRINCIPAL: Principal = Object.freeze({ id: "stdio", scopes: Object.freeze([Scope.ALL]) });

export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.includes(Scope.ALL) || principal.scopes.includes(scope);
}

/** Whether `principal` may see and call `server`: its `servers` name the id or one of the server's tags. */
export function mayUseServer(
  principal: Principal,
  server: { readonly id: string; readonly tags: readonly string[] },
): boolean {
  if (principal.servers === undefined) return true;
  return principal.servers.some((selector) =>
    selector.startsWith("tag:") ? server.tags.includes(selector.slice(4)) : selector === server.id,
  );
}

/**
 * Judges one inbound request: a principal to accept it, `undefined` to abstain (not this scheme's
 * credentials), or a thrown `MCPGW_ERR_UNAUTHORIZED` / `MCPGW_ERR_FORBIDDEN` to refuse it.
 */
export interface Authenticator {
  readonly name: string;
  authenticate(request: InboundRequest): Principal | undefined | Promise<Principal | undefined>;
}

/** Requests refused for their credentials: none presented (401), or ones no authenticator accepted (403). */
export interface AuthFailures {
  readonly missing: number;
  readonly invalid: number;
}

/**
 * The authenticators plugins register. None registered: every request is `anonymous`. Once one
 * is registered, a request that none accepts is refused (deny by default), with the first
 * refusal an authenticator gave, or "Authentication required".
 */
export class Authenticators {
  readonly #registered: Authenticator[] = [];
  readonly #declared = new Map<string, (config: GatewayConfig) => boolean>();
  readonly #failures = { missing: 0, invalid: 0 };

  register(authenticator: Authenticator): void {
    this.#registered.push(authenticator);
  }

  /**
   * For a plugin that registers its authenticator in `configLoaded`, depending on the config (a key
   * is configured): says for which configs it will. Validation runs before `configLoaded` and must
   * know whether requests will need credentials (`requiredFor`).
   */
  declare(name: string, registersFor: (config: GatewayConfig) => boolean): void {
    this.#declared.set(name, registersFor);
  }

  /** Whether requests will need credentials under `config`: an authenticator is registered, or one is declared for it. */
  requiredFor(config: GatewayConfig): boolean {
    return this.enabled || [...this.#declared.values()].some((registersFor) => registersFor(config));
  }

  /** Whether any authenticator is registered: the gateway then refuses what none accepts. */
  get enabled(): boolean {
    return this.#registered.length > 0;
  }

  get names(): string[] {
    return this.#registered.map((authenticator) => authenticator.name);
  }

  /** Requests refused for their credentials since start (what /stats and /metrics may show). */
  get failures(): AuthFailures {
    return { ...this.#failures };
  }

  async authenticate(request: InboundRequest): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS;
    let refusal: GatewayError | undefined;
    for (const authenticator of this.#registered) {
      try {
        const principal = await authenticator.authenticate(request);
        if (principal) return principal;
      } catch (error) {
        if (!(error instanceof GatewayError)) {
          throw new GatewayError(
            "MCPGW_ERR_PLUGIN_HOOK",
            `Authenticator '${authenticator.name}' failed: ${(error as Error).message}`,
            { plugin: authenticator.name },
            { cause: error },
          );
        }
        refusal ??= error;
      }
    }
    const error =
      refusal ?? new GatewayError("MCPGW_ERR_UNAUTHORIZED", `Authentication required (${this.names.join(", ")})`);
    this.#failures[error.code === "MCPGW_ERR_FORBIDDEN" ? "invalid" : "missing"]++;
    throw error;
  }
}
