#!/usr/bin/env node
import { runCli } from "../cli/main.js";

/** The original's `gateway-http`: `mcpgw serve`. */
// Exit explicitly: a paused stdin or a keep-alive socket must not hold a stopped gateway open.
process.exit(await runCli(process.argv.slice(2), "serve"));
