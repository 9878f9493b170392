import { GatewayError } from "../kernel/errors.js";
import type { ConfigIssue } from "./model.js";
import { formatIssue, formatPath } from "./issues.js";

/** A config that cannot be used; carries every problem found, not only the first. */
export class ConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], code: "MCPGW_ERR_CONFIG" | "MCPGW_ERR_CONFIG_LOAD" = "MCPGW_ERR_CONFIG") {
    const errors = issues.filter((issue) => issue.severity === "error");
    const head = errors.length === 1 ? "Invalid configuration" : `Invalid configuration (${errors.length} problems)`;
    super(code, `${head}:\n${errors.map((issue) => `  ${formatIssue(issue)}`).join("\n")}`, {
      key: errors[0] ? formatPath(errors[0].path) : undefined,
    });
    this.name = "ConfigError";
    this.issues = issues;
  }
}
