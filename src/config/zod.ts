import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/*
 * The gateway's own schemas (core keys, built-in plugins' options) use zod/mini: zod's classic API
 * builds far more as it loads (when zod was bundled: 30 to 45 ms at boot against 12 ms for mini), and
 * the boot path does not need it; it loads with the SDK or a plugin. (zod is not bundled, so that
 * plugins share the gateway's copy: mini comes with zod's whole core and its locales.) Plugin authors
 * still get the classic `z` from `open-mcp-gateway`.
 * zod/mini carries no messages of its own: English is set here, for every zod in the process
 * (classic shares the setting, and sets the same when it loads).
 */
config(en());

export * as z from "zod/mini";
