import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/*
 * The gateway's own schemas (core keys, built-in plugins' options) use zod/mini, bundled and
 * tree-shaken with English messages only: about 12 ms at boot, where zod from node_modules (its
 * classic API and all 64 locales, which every zod entry point imports) costs 50 to 90 ms. Plugins and
 * the SDK share the classic `zod` from node_modules; it loads with the SDK or a plugin.
 * zod/mini carries no messages of its own: English is set here, for this bundled copy.
 */
config(en());

export * as z from "zod/mini";
