import type { Result } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../kernel/hooks.js";
import type { Redactor } from "../kernel/redactor.js";
import { invalidParams, methodNotFound, toWireError } from "../protocol/wireErrors.js";
import type { RequestHooks } from "./hooks.js";
import { LIST_METHODS, type Lists, type OptionsFor } from "./Lists.js";
import type { ReturnedUris } from "./resourceUris.js";
import type {
  FrontTransport,
  ListContext,
  McpRequest,
  RequestOutcome,
  RequestStage,
  SessionInfo,
  TraceContext,
} from "./types.js";

type Params = Record<string, unknown>;

/** The methods whose results carry resource URIs (links, embedded resources, read contents). */
const RETURNS_URIS = new Set(["tools/call", "prompts/get", "resources/read"]);

/** What the pipeline needs of whoever carries the request: a session, or the pass-through. */
export interface RequestCarrier {
  readonly principal: Principal;
  readonly transport: FrontTransport;
  readonly session?: SessionInfo;
  /** The trace context the request's HTTP headers carried. */
  readonly traceContext?: TraceContext;
  /** The one server this carrier sees, if not all. */
  readonly server?: string;
  readonly optionsFor: OptionsFor;
  /** Lists come one backend page at a time, as the backend paged them. */
  readonly onePage?: boolean;
  /** Sends one request to a backend. */
  send(server: string, method: string, params: Params): Promise<Result>;
  /** Methods the carrier answers itself (logging/setLevel on a session); undefined to go on. */
  answer?(request: McpRequest): Promise<Result> | undefined;
  /** `params.uri` is the server's own URI; `exposedUri` the one the client sent (updates go out under it). */
  subscribe?(
    server: string,
    method: "resources/subscribe" | "resources/unsubscribe",
    params: Params,
    exposedUri: string,
  ): Promise<Result>;
  /** An aggregated session's memory of the resource URIs its servers returned. */
  readonly returned?: ReturnedUris;
  /** A method nobody routes: the aggregated endpoint asks each running server. */
  vendor?(method: string, params: Params): Promise<Result>;
}

/**
 * The one path every MCP request takes, whichever frontend it came through: its target read from
 * the method and params, the stages `authorize`, `shape`, `route`, then the dispatch to a backend
 * (or the gateway's own answer), and `outcome` for every observer, refused or not.
 */
export class RequestPipeline {
  constructor(
    private readonly hooks: RequestHooks,
    private readonly lists: Lists,
    /** Observers (an audit log) see the error the client sees. */
    private readonly redactor: Redactor,
    private readonly mayUse: (principal: Principal, server: string) => boolean,
  ) {}

  async handle(carrier: RequestCarrier, id: string | number, method: string, params: Params): Promise<Result> {
    const request = await this.#request(carrier, id, method, params);
    let stage: RequestStage = "authorize";
    try {
      this.#refuseHidden(request);
      await this.hooks.authorize.promise(request);
      stage = "shape";
      await this.hooks.shape.promise(request);
      stage = "route";
      await this.hooks.route.promise(request);
      // A tap may have changed the target: the principal's `servers` still bind.
      this.#refuseHidden(request);
      stage = "dispatch";
      const result = await this.#exposeUris(carrier, request, await this.#dispatch(carrier, request));
      this.#report(request, { ok: true, result, durationMs: Date.now() - request.receivedAt });
      return result;
    } catch (error) {
      this.#report(request, {
        ok: false,
        error: toWireError(error).redacted(this.redactor).body(),
        stage,
        durationMs: Date.now() - request.receivedAt,
      });
      // As thrown: a frontend may answer gateway-side failures its own way (pass-through's HTTP statuses).
      throw error;
    }
  }

  /** A request refused before the pipeline (authentication): observers see it all the same. */
  refused(
    carrier: Pick<RequestCarrier, "principal" | "transport" | "server">,
    id: string | number,
    method: string,
    params: Params,
    error: { code: number; message: string },
  ): void {
    const request = draft(carrier, id, method, params);
    if (carrier.server !== undefined) request.server = carrier.server;
    // Nothing is routed for it, but observers (an audit log) still learn what the client named.
    if ((method === "tools/call" || method === "prompts/get") && typeof params.name === "string")
      Object.assign(request, { exposedName: params.name });
    else if (method.startsWith("resources/") && typeof params.uri === "string")
      Object.assign(request, { uri: params.uri });
    this.#report(request, { ok: false, error, stage: "authenticate", durationMs: 0 });
  }

  /**
   * A target the principal may not use (its key's `servers`) is refused as if it did not exist, so a
   * limited key learns nothing of the servers it cannot see.
   */
  #refuseHidden(request: McpRequest): void {
    if (request.server === undefined || this.mayUse(request.principal, request.server)) return;
    if (request.exposedName !== undefined)
      throw invalidParams(`Unknown ${request.method === "tools/call" ? "tool" : "prompt"}: ${request.exposedName}`);
    if (request.uri !== undefined) throw invalidParams(`Unknown resource: ${request.uri}`);
    throw invalidParams(`Server '${request.server}' not found`);
  }

  #report(request: McpRequest, outcome: RequestOutcome): void {
    if (this.hooks.outcome.taps.length > 0) this.hooks.outcome.call(request, outcome);
  }

  /** The request with its target read from the method and params, before any stage runs. */
  async #request(carrier: RequestCarrier, id: string | number, method: string, params: Params): Promise<McpRequest> {
    const request = draft(carrier, id, method, params);
    const sources = { optionsFor: carrier.optionsFor, send: carrier.send };
    const context = (kind: ListContext["kind"]) => listContext(carrier, kind);
    const routeName = async (kind: "tools" | "prompts", exposed: string) => {
      Object.assign(request, { exposedName: exposed });
      const route = await this.lists.route(kind, exposed, context(kind), sources);
      request.server = route?.server ?? carrier.server;
      request.name = route?.name ?? (carrier.server !== undefined ? exposed : undefined);
    };
    const routeUri = async (uri: string) => {
      Object.assign(request, { uri });
      const route =
        carrier.server !== undefined
          ? { server: carrier.server, uri }
          : await this.lists.routeResource(uri, carrier.returned, carrier.principal);
      request.server = route?.server;
      request.backendUri = route?.uri;
    };
    switch (method) {
      case "tools/call":
        await routeName("tools", String(params.name));
        break;
      case "prompts/get":
        await routeName("prompts", String(params.name));
        break;
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe":
        await routeUri(String(params.uri));
        break;
      case "completion/complete": {
        const ref = (params.ref ?? {}) as Params;
        if (ref.type === "ref/prompt") await routeName("prompts", String(ref.name));
        else await routeUri(String(ref.uri));
        break;
      }
      default:
        if (!LIST_METHODS[method]) request.server = carrier.server;
    }
    return request;
  }

  /** An aggregated session's result with its resource URIs as the session reads them back (see Lists.exposeReturned). */
  async #exposeUris(carrier: RequestCarrier, request: McpRequest, result: Result): Promise<Result> {
    if (!carrier.returned || request.server === undefined || !RETURNS_URIS.has(request.method)) return result;
    return this.lists.exposeReturned(request.server, request.method, result, carrier.returned, carrier.principal);
  }

  async #dispatch(carrier: RequestCarrier, request: McpRequest): Promise<Result> {
    const { method, params, server } = request;
    const listed = LIST_METHODS[method];
    if (listed) {
      const cursor = typeof params.cursor === "string" ? params.cursor : undefined;
      if (carrier.server === undefined && params.cursor !== undefined)
        throw invalidParams(`Unknown cursor for ${method}: the gateway returns every item in one page`);
      const { items, nextCursor } = await this.lists.list(listContext(carrier, listed.kind), {
        optionsFor: carrier.optionsFor,
        send: carrier.send,
        onePage: carrier.onePage === true,
        ...(cursor !== undefined && { cursor }),
      });
      return { [listed.field]: items, ...(nextCursor !== undefined && { nextCursor }) };
    }
    const answered = carrier.answer?.(request);
    if (answered) return answered;
    switch (method) {
      case "tools/call":
      case "prompts/get":
        if (server === undefined || request.name === undefined)
          throw invalidParams(`Unknown ${method === "tools/call" ? "tool" : "prompt"}: ${request.exposedName}`);
        return carrier.send(server, method, { ...params, name: request.name });
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe": {
        if (server === undefined || request.backendUri === undefined)
          throw invalidParams(`Unknown resource: ${request.uri}`);
        const backendParams = { ...params, uri: request.backendUri };
        if (method !== "resources/read" && carrier.subscribe)
          return carrier.subscribe(server, method, backendParams, String(request.uri));
        return carrier.send(server, method, backendParams);
      }
      case "completion/complete": {
        const ref = (params.ref ?? {}) as Params;
        if (server === undefined || (ref.type === "ref/prompt" ? request.name : request.backendUri) === undefined)
          throw invalidParams(
            `Unknown ${ref.type === "ref/prompt" ? `prompt: ${request.exposedName}` : `resource: ${request.uri}`}`,
          );
        return carrier.send(server, method, {
          ...params,
          ref: ref.type === "ref/prompt" ? { ...ref, name: request.name } : { ...ref, uri: request.backendUri },
        });
      }
      default:
        if (server !== undefined) return carrier.send(server, method, params);
        if (carrier.vendor) return carrier.vendor(method, params);
        throw methodNotFound(method);
    }
  }
}

function draft(
  carrier: Pick<RequestCarrier, "principal" | "transport" | "session" | "traceContext">,
  id: string | number,
  method: string,
  params: Params,
): McpRequest {
  return {
    id,
    method,
    params,
    principal: carrier.principal,
    transport: carrier.transport,
    ...(carrier.session && { session: carrier.session }),
    ...(carrier.traceContext && { traceContext: carrier.traceContext }),
    receivedAt: Date.now(),
    state: new Map(),
  };
}

function listContext(carrier: RequestCarrier, kind: ListContext["kind"]): ListContext {
  return {
    kind,
    principal: carrier.principal,
    transport: carrier.transport,
    ...(carrier.session && { session: carrier.session }),
    ...(carrier.server !== undefined && { server: carrier.server }),
  };
}
