import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";

/**
 * The client capability a backend's request needs that `declared` lacks, as a dotted name
 * (`sampling`, `elicitation`, `elicitation.url`, `roots`), or undefined. A shared backend is started
 * declaring every client capability, so it may ask a client that cannot answer: the gateway then
 * refuses by name rather than passing on a request the client would only answer "Method not found".
 */
export function missingClientCapability(
  method: string,
  params: Record<string, unknown>,
  declared: ClientCapabilities | undefined,
): string | undefined {
  switch (method) {
    case "sampling/createMessage":
      return declared?.sampling ? undefined : "sampling";
    case "roots/list":
      return declared?.roots ? undefined : "roots";
    case "elicitation/create": {
      const elicitation = declared?.elicitation as { form?: unknown; url?: unknown } | undefined;
      if (!elicitation) return "elicitation";
      // An empty `elicitation: {}` means form mode (the capability predates modes).
      if (params.mode === "url") return elicitation.url ? undefined : "elicitation.url";
      return elicitation.form || !elicitation.url ? undefined : "elicitation.form";
    }
    default:
      return undefined;
  }
}
