import type { ServerDefinition } from "../config/model.js";
import { errorMessage } from "../kernel/errors.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import type { CapabilitySnapshot } from "../supervisor/CapabilityCache.js";
import type { AcquireOptions, Supervisor } from "../supervisor/Supervisor.js";
import { NameMap } from "./toolNames.js";

type RawObject = Record<string, unknown>;

/** How a given server is to be acquired for the asking session (its capabilities and request handlers). */
export type OptionsFor = (server: string) => AcquireOptions;

export interface Route {
  readonly server: string;
  readonly name: string;
}

/**
 * The aggregated view of every server: lists merged in config order (tools and prompts renamed
 * `<prefix><separator><name>`, resources unchanged) and the way back from a name or URI to its
 * server. Stopped servers answer from the capability cache; a server that never ran is started once.
 */
export class Catalog {
  #tools?: NameMap;
  #prompts?: NameMap;
  #naming?: { separator: string; maxLength: number };

  constructor(
    private readonly kernel: Kernel,
    private readonly supervisor: Supervisor,
    private readonly logger: Logger,
  ) {}

  async tools(optionsFor: OptionsFor): Promise<RawObject[]> {
    return this.#named("tools", await this.#snapshots(optionsFor));
  }

  async prompts(optionsFor: OptionsFor): Promise<RawObject[]> {
    return this.#named("prompts", await this.#snapshots(optionsFor));
  }

  async resources(optionsFor: OptionsFor): Promise<RawObject[]> {
    return (await this.#snapshots(optionsFor)).flatMap(({ snapshot }) => [...snapshot.resources]);
  }

  async resourceTemplates(optionsFor: OptionsFor): Promise<RawObject[]> {
    return (await this.#snapshots(optionsFor)).flatMap(({ snapshot }) => [...snapshot.resource_templates]);
  }

  /** The server and original name behind an exposed tool name; lists are read again on a miss (a client may call without listing). */
  async routeTool(exposed: string, optionsFor: OptionsFor): Promise<Route | undefined> {
    return this.#maps().tools.resolve(exposed) ?? (await this.tools(optionsFor), this.#maps().tools.resolve(exposed));
  }

  async routePrompt(exposed: string, optionsFor: OptionsFor): Promise<Route | undefined> {
    return this.#maps().prompts.resolve(exposed) ?? (await this.prompts(optionsFor), this.#maps().prompts.resolve(exposed));
  }

  /** The server owning a resource URI: an exact listed URI first, then the first template that matches. */
  async routeResource(uri: string, optionsFor: OptionsFor): Promise<string | undefined> {
    const snapshots = await this.#snapshots(optionsFor);
    const exact = snapshots.find(({ snapshot }) => snapshot.resources.some((resource) => resource.uri === uri));
    if (exact) return exact.server.id;
    return snapshots.find(({ snapshot }) => snapshot.resource_templates.some((template) => matchesTemplate(String(template.uriTemplate), uri)))?.server.id;
  }

  /** Every server's snapshot in config order; servers with none are started (in parallel) and read; failures are logged and left out. */
  async #snapshots(optionsFor: OptionsFor): Promise<Array<{ server: ServerDefinition; snapshot: CapabilitySnapshot }>> {
    const servers = this.kernel.config.servers;
    const found = await Promise.all(
      servers.map(async (server) => {
        try {
          let snapshot = await this.supervisor.capabilities(server.id);
          if (!snapshot) {
            await this.supervisor.acquire(server.id, optionsFor(server.id));
            snapshot = await this.supervisor.capabilities(server.id);
          }
          return snapshot && { server, snapshot };
        } catch (error) {
          this.logger.warn({ server: server.id }, `Left out of the aggregated lists: ${errorMessage(error)}`);
          return undefined;
        }
      }),
    );
    return found.filter((entry): entry is { server: ServerDefinition; snapshot: CapabilitySnapshot } => entry !== undefined);
  }

  #named(kind: "tools" | "prompts", snapshots: Array<{ server: ServerDefinition; snapshot: CapabilitySnapshot }>): RawObject[] {
    const map = this.#maps()[kind];
    const out: RawObject[] = [];
    for (const { server, snapshot } of snapshots) {
      map.forget(server.id);
      for (const item of snapshot[kind]) {
        const exposed = map.expose(server.id, server.tool_prefix, String(item.name));
        if (exposed === undefined) {
          this.logger.warn({ server: server.id }, `${kind === "tools" ? "Tool" : "Prompt"} '${String(item.name)}' is left out: another server's ${kind === "tools" ? "tool" : "prompt"} has the same name; set tool_prefix`);
          continue;
        }
        out.push({ ...item, name: exposed });
      }
    }
    return out;
  }

  /** Name maps follow the separator and length limit of the config in force. */
  #maps(): { tools: NameMap; prompts: NameMap } {
    const settings = this.kernel.config.settings;
    const naming = { separator: settings.tool_name_separator, maxLength: settings.max_tool_name_length };
    if (!this.#tools || !this.#prompts || this.#naming?.separator !== naming.separator || this.#naming.maxLength !== naming.maxLength) {
      this.#naming = naming;
      const report = (kind: string) => (change: { server: string; original: string; exposed: string }) =>
        this.logger.info({ server: change.server }, `${kind} '${change.original}' is listed as '${change.exposed}' (client limits: A-Z a-z 0-9 _ -, at most ${naming.maxLength} characters)`);
      this.#tools = new NameMap(naming, report("Tool"));
      this.#prompts = new NameMap(naming, report("Prompt"));
    }
    return { tools: this.#tools, prompts: this.#prompts };
  }
}

/** RFC 6570 level 1-2 matching, enough for routing: `{var}` is one path segment, `{+var}` / `{#var}` anything. */
export function matchesTemplate(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) => {
      if (!part.startsWith("{")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return /^\{[+#]/.test(part) ? ".*" : "[^/?#]*";
    })
    .join("");
  return new RegExp(`^${pattern}$`).test(uri);
}
