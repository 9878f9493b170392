import { z } from "zod";

/** Options of the plugin itself (under `plugins: { process-runtime: ... }`). */
export const processRuntimePluginOptions = z.strictObject({});

/** `runtime:` of a `local-process` server (field names as in the original gateway). */
export const localProcessOptions = z.strictObject({
  command: z.string().min(1, "command is required: a program on PATH or an absolute path"),
  args: z.array(z.string()).default([]),
  working_dir: z.string().min(1).optional(),
});

export type LocalProcessOptions = z.infer<typeof localProcessOptions>;
