/**
 * Reading a node's settings back from `.mcp.json` the way Claude Code starts it: the
 * `talkie-walkie` server's `env` with `${VAR}` and `${VAR:-default}` expanded from the
 * environment (an unset variable without default stays as written), and the node flags that
 * follow the package in `args`.
 *
 * @module
 */

import { SERVER_NAME } from "./init_entry.ts";

/** A node's launch settings found in an MCP config. */
export interface Launch {
  /** Node flags (after the package or `main.ts` in `args`). */
  args: string[];
  /** The environment the node would get: ours, then the entry's (expanded), which wins. */
  env: Record<string, string | undefined>;
}

/** Expands `${VAR}` and `${VAR:-default}` in `text` from `env`, as Claude Code does. */
export function expandVars(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (all, name, fallback) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    return fallback ?? (value ?? all);
  });
}

type Server = { command?: unknown; args?: unknown; env?: unknown };

/**
 * Finds this program's server in the text of an `.mcp.json`: the `talkie-walkie` key, or any
 * server that runs `claude-talkie-walkie`.
 *
 * @returns the launch settings, or undefined when the file has no such server.
 * @throws {SyntaxError} when the text is not JSON.
 */
export function launchFromMcpJson(
  text: string,
  env: Record<string, string | undefined>,
): Launch | undefined {
  const servers = (JSON.parse(text)?.mcpServers ?? {}) as Record<string, Server>;
  const ours = (s: Server) =>
    Array.isArray(s?.args) && s.args.some((a) => String(a).includes("claude-talkie-walkie"));
  const server = servers[SERVER_NAME] ?? Object.values(servers).find(ours);
  if (!server || typeof server !== "object") return undefined;
  const all = Array.isArray(server.args) ? server.args.map(String) : [];
  const at = all.findIndex((a) => a.includes("claude-talkie-walkie") || a.endsWith("main.ts"));
  const args = (at >= 0 ? all.slice(at + 1) : []).map((a) => expandVars(a, env));
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries((server.env ?? {}) as Record<string, unknown>)) {
    own[k] = expandVars(String(v), env);
  }
  return { args, env: { ...env, ...own } };
}
