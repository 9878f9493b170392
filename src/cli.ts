#!/usr/bin/env node
import { runBin } from "./cli/bin.js";

await runBin("serve");
