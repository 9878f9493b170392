// ESLint flat config. Formatting (line length, quotes, commas) is Prettier's job: eslint-config-prettier
// comes last and turns off every rule that would fight it. Not type-checked: the typed rules cost a full
// program per run, and tsc (`npm run build`) already checks the types.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  // Built output, installed packages, and JS fixtures that are test data rather than our code.
  globalIgnores(["**/dist/", "**/node_modules/", "bench/results/", "test/fixtures/**/*.{js,mjs,cjs}"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Everything runs on Node; this is for the plain .mjs in scripts/ and bench/ (tsc checks the .ts).
    languageOptions: { globals: globals.node },
    rules: {
      // No dead code; a leading `_` marks what must exist but is deliberately unused.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
      // `any` is deliberate where it stands: tapable's Hook<any, any>, generic plugin factories, loose JSON in tests.
      "@typescript-eslint/no-explicit-any": "off",
      // Regexes in tests match CLI help text verbatim; its two-space columns read better as typed than as ` {2}`.
      "no-regex-spaces": "off",
    },
  },
  {
    // Built-in plugins are written like third-party ones: they see the gateway only through its package
    // name, `open-mcp-gateway`, never through a path into src/, so the public API is all they can use.
    files: ["plugins/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/src", "**/src/**"],
              message: "Built-in plugins import the gateway as 'open-mcp-gateway', not by a path into src/.",
            },
          ],
        },
      ],
    },
  },
  prettier,
);
