import { zodMini as z } from "open-mcp-gateway";

export const tracingPluginOptions = z.strictObject({});

/** `tracing:` in the config. Without `otlp_endpoint` nothing of OpenTelemetry is loaded. */
const tracingFields = z.strictObject({
  /** The collector's OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces. */
  otlp_endpoint: z.optional(z.url({ protocol: /^https?$/ })),
  /** `service.name` of the spans. */
  service_name: z._default(z.string().check(z.minLength(1)), "mcpgw"),
  /** Headers sent to the collector (an API key of a hosted backend): masked in logs like every secret. */
  headers: z._default(z.record(z.string(), z.string()), {}),
  /** Share of traces started here that are recorded (a client's sampled flag is followed either way). */
  sample_ratio: z._default(z.number().check(z.minimum(0), z.maximum(1)), 1),
});

export const tracingSchema = z.optional(tracingFields);

export type TracingSettings = z.output<typeof tracingFields>;
