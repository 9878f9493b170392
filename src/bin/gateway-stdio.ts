#!/usr/bin/env node
import "reflect-metadata";
import { runCli } from "../cli/main.js";

/** The original's `gateway-stdio`: `mcpgw stdio`. */
process.exitCode = await runCli(process.argv.slice(2), "stdio");
