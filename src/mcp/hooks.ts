import { AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook, type Hook } from "tapable";
import { errorMessage, GatewayError } from "../kernel/errors.js";
import type { Logger } from "../kernel/logger.js";
import { WireError } from "../protocol/wireErrors.js";
import type { BackendMessage, ListContext, ListedItem, McpRequest, RequestOutcome, SessionInfo } from "./types.js";

/**
 * The request pipeline's hooks: the unit of work is one MCP request, as webpack's per-compilation
 * hooks are to its lifecycle hooks. Declared here, beside the kernel's table (src/kernel/hooks.ts),
 * and owned by the MCP core, which alone calls them.
 *
 * - Stage hooks (`authorize`, `shape`, `route`) run in order for every request; a tap refuses by
 *   throwing (`refuse()` or a WireError / GatewayError), and later stages then do not run.
 * - Observer hooks (`sessionOpened`, `sessionClosed`, `outcome`) run every tap whatever the others
 *   do: a tap that throws is logged and the next one runs.
 */
export function createRequestHooks(logger: Logger) {
  const hooks = {
    /** A client session was created, with its principal and transport (its initialize is being answered). */
    sessionOpened: new SyncHook<[SessionInfo]>(["session"], "sessionOpened"),
    /** A client session ended (DELETE, closed stream, idle expiry, shutdown). */
    sessionClosed: new SyncHook<[SessionInfo]>(["session"], "sessionClosed"),
    /** Stage 1: may this principal make this request? */
    authorize: new AsyncSeriesHook<[McpRequest]>(["request"], "authorize"),
    /** Stage 2: change the request (params, name) or refuse it. */
    shape: new AsyncSeriesHook<[McpRequest]>(["request"], "shape"),
    /** Stage 3: the last word on the target server. */
    route: new AsyncSeriesHook<[McpRequest]>(["request"], "route"),
    /** Every request's end: its result or error, the stage that ended it, and how long it took. */
    outcome: new SyncHook<[McpRequest, RequestOutcome]>(["request", "outcome"], "outcome"),
    /** The items of a list a client receives, on every path, after aggregation; return the new list. */
    list: new AsyncSeriesWaterfallHook<[ListedItem[], ListContext]>(["items", "context"], "list"),
    /** A backend's notification or request on its way to one client session. */
    backendMessage: new SyncHook<[BackendMessage]>(["message"], "backendMessage"),
  };
  for (const name of ["sessionOpened", "sessionClosed", "outcome", "backendMessage"] as const)
    observeSafely(hooks[name], name, logger);
  for (const name of ["authorize", "shape", "route", "list"] as const) attributeErrors(hooks[name], name);
  return Object.freeze(hooks);
}

export type RequestHooks = ReturnType<typeof createRequestHooks>;

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- tapable's own Tap type
type AnyTap = { name: string; type: string; fn: Function };

function observeSafely(hook: Hook<any, any>, hookName: string, logger: Logger): void {
  hook.intercept({
    register: (tap: any) => {
      const fn = (tap as AnyTap).fn as (...args: unknown[]) => unknown;
      return {
        ...tap,
        fn: (...args: unknown[]) => {
          try {
            fn(...args);
          } catch (error) {
            logger.error(
              { plugin: tap.name, hook: hookName },
              `Plugin '${tap.name}' failed in request hook '${hookName}': ${errorMessage(error)}`,
            );
          }
        },
      };
    },
  });
}

/** A deliberate refusal passes as thrown; anything else becomes an error naming the plugin and hook. */
function attributeErrors(hook: Hook<any, any>, hookName: string): void {
  hook.intercept({
    register: (tap: any) => {
      const fn = (tap as AnyTap).fn as (...args: unknown[]) => unknown;
      const wrap = (error: unknown) =>
        error instanceof WireError || error instanceof GatewayError
          ? error
          : new GatewayError(
              "MCPGW_ERR_PLUGIN_HOOK",
              `Plugin '${tap.name}' failed in request hook '${hookName}': ${errorMessage(error)}`,
              { plugin: tap.name, hook: hookName },
              { cause: error },
            );
      if (tap.type !== "promise") {
        return {
          ...tap,
          fn: (...args: unknown[]) => {
            try {
              return fn(...args);
            } catch (error) {
              throw wrap(error);
            }
          },
        };
      }
      return {
        ...tap,
        fn: async (...args: unknown[]) => {
          try {
            return await fn(...args);
          } catch (error) {
            throw wrap(error);
          }
        },
      };
    },
  });
}

/** Refuses a request from a stage tap: the client gets this JSON-RPC error (default -32600 Invalid Request). */
export function refuse(message: string, code = -32600, data?: unknown): never {
  throw new WireError(code, message, data);
}
