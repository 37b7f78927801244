/**
 * Values that still hold a `${NAME}` placeholder: Claude Code expands `${VAR}` in `.mcp.json`
 * and plugin settings, and passes the text through unchanged when the variable is unset. A
 * node must not take `${INTERCOM_SECRET}` for a secret.
 *
 * @module
 */

const PLACEHOLDER = /\$\{([^}\s]*)\}/;

/** Whether the environment variable `name` is one a node reads. */
export function isNodeVariable(name: string): boolean {
  return name === "MY_ROLE" || name === "PEERS" || name === "REMOTE_HOST" ||
    name.startsWith("INTERCOM_");
}

/** One placeholder found: where (a variable or flag) and the text inside `${…}`. */
export interface Unexpanded {
  where: string;
  placeholder: string;
}

/**
 * Finds placeholders in the node's variables and in its command-line arguments.
 *
 * @example
 * ```ts
 * findUnexpanded([], { INTERCOM_SECRET: "${INTERCOM_SECRET}" });
 * // [{ where: "INTERCOM_SECRET", placeholder: "INTERCOM_SECRET" }]
 * ```
 */
export function findUnexpanded(
  args: string[],
  env: Record<string, string | undefined>,
): Unexpanded[] {
  const found: Unexpanded[] = [];
  for (const [name, value] of Object.entries(env)) {
    const m = value !== undefined && isNodeVariable(name) ? PLACEHOLDER.exec(value) : null;
    if (m) found.push({ where: name, placeholder: m[1] });
  }
  args.forEach((arg, i) => {
    const m = PLACEHOLDER.exec(arg);
    const flag = arg.startsWith("--") ? arg.split("=")[0] : args[i - 1] ?? `argument ${i + 1}`;
    if (m) found.push({ where: flag, placeholder: m[1] });
  });
  return found;
}

/** The one line that explains a placeholder and its fix. */
export function describeUnexpanded({ where, placeholder }: Unexpanded): string {
  const variable = /^[A-Za-z_][A-Za-z0-9_]*$/.test(placeholder) ? placeholder : undefined;
  const fix = variable
    ? `export ${variable} in the shell that starts claude (or set it in the MCP config)`
    : placeholder.startsWith("user_config.")
    ? `set the plugin option with "claude plugin configure"`
    : "replace it with a value";
  return `${where} is the unexpanded text "\${${placeholder}}": ${fix}`;
}
