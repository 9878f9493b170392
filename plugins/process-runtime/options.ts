import { zodMini as z } from "open-mcp-gateway";

/** Options of the plugin itself (under `plugins: { process-runtime: ... }`). */
export const processRuntimePluginOptions = z.strictObject({});

/** `runtime:` of a `local-process` server (field names as in the original gateway). */
export const localProcessOptions = z.strictObject({
  command: z.string().check(z.minLength(1, "command is required: a program on PATH or an absolute path")),
  args: z._default(z.array(z.string()), []),
  working_dir: z.optional(z.string().check(z.minLength(1))),
});

export type LocalProcessOptions = z.infer<typeof localProcessOptions>;
