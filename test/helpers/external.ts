/**
 * External programs the tests fetch with npx, pinned so a new release cannot change what a test means.
 * scripts/run-tests.mjs installs them into npm's cache once, one after another, before the tests run
 * (several npx processes filling an empty cache at once can trip over each other).
 */
export const NODE22_PACKAGE = "node@22";
export const CONFORMANCE_PACKAGE = "@modelcontextprotocol/conformance@0.1.16";
/** The Inspector 2.x declares Node 22, but its CLI runs on Node 20. */
export const INSPECTOR_PACKAGE = "@modelcontextprotocol/inspector@2.12.0";
