#!/usr/bin/env node
import { runBin } from "../cli/bin.js";

/** The original's `gateway-stdio`: `mcpgw stdio`. */
await runBin("stdio");
