#!/usr/bin/env node
import "reflect-metadata";
import { runCli } from "../cli/main.js";

/** The original's `gateway-http`: `mcpgw serve`. */
process.exitCode = await runCli(process.argv.slice(2), "serve");
