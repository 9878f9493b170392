import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/*
 * The gateway's own schemas (core keys, built-in plugins' options) use zod/mini: bundled and
 * tree-shaken it is about 40 KB and loads in about 12 ms, where zod's classic API (about 400 KB)
 * took 30 to 45 ms at boot. Plugin authors still get the classic `z` from `open-mcp-gateway`.
 * zod/mini carries no messages of its own: English is set here, for every zod in the process
 * (classic shares the setting, and sets the same when it loads).
 */
config(en());

export * as z from "zod/mini";
