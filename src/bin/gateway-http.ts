#!/usr/bin/env node
import { runBin } from "../cli/bin.js";

/** The original's `gateway-http`: `mcpgw serve`. */
await runBin("serve");
