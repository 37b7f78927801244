/**
 * What `init` writes and prints, as pure functions: the `.mcp.json` server entry (the secret
 * always as `${INTERCOM_SECRET}`, expanded by Claude Code from the environment), the same as a
 * `claude mcp add` line, and the `init` lines to run on the peers' machines.
 *
 * @module
 */

import { VERSION } from "../platform/version.ts";

/** The server's key in `.mcp.json`: the `source` Claude Code shows on channel events. */
export const SERVER_NAME = "talkie-walkie";

/** The npm package pinned to this major version, e.g. `claude-talkie-walkie@2.x`. */
export const PACKAGE_SPEC = `claude-talkie-walkie@${VERSION.split(".")[0]}.x`;

/** The placeholder Claude Code replaces with the environment's value. */
export const SECRET_PLACEHOLDER = "${INTERCOM_SECRET}";

/** Answers of `init`. */
export interface InitAnswers {
  role: string;
  /** PEERS as written: `name=host[:port]` or bare names on this machine, comma-separated. */
  peers: string;
  /** A port number or `auto`, as text. */
  port: string;
  /** Read the secret from this file instead of `${INTERCOM_SECRET}`. */
  secretFile?: string;
}

/** One `mcpServers` entry of `.mcp.json`. */
export interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The `.mcp.json` server entry for these answers. With `INTERCOM_PORT=auto` (this machine only)
 * it names no secret: the node then uses the per-user secret of this machine.
 *
 * @example
 * ```ts
 * serverEntry({ role: "backend", peers: "frontend=10.0.0.6", port: "8788" }).env.INTERCOM_SECRET;
 * // "${INTERCOM_SECRET}"
 * ```
 */
export function serverEntry(answers: InitAnswers): ServerEntry {
  const env: Record<string, string> = { MY_ROLE: answers.role };
  if (answers.peers !== "") env.PEERS = answers.peers;
  env.INTERCOM_PORT = answers.port;
  const args = ["-y", PACKAGE_SPEC];
  if (answers.secretFile) args.push("--secret-file", answers.secretFile);
  else if (answers.port !== "auto") env.INTERCOM_SECRET = SECRET_PLACEHOLDER;
  return { command: "npx", args, env };
}

/**
 * The one line that sets talkie-walkie up for every project of this user on this machine
 * (zero configuration: role from the project directory, peers found here, per-user secret).
 */
export const USER_SCOPE_LINE =
  `claude mcp add --scope user ${SERVER_NAME} -e INTERCOM_PORT=auto -- npx -y ${PACKAGE_SPEC}`;

/** How to start Claude Code with this channel on. */
export const START_LINE = `claude --dangerously-load-development-channels server:${SERVER_NAME}`;

/** Thrown when an existing file cannot take the entry without losing something. */
export class ExistingEntryError extends Error {
  override name = "ExistingEntryError";
}

/**
 * Adds the entry to the text of an existing `.mcp.json` (or makes a new one), keeping every
 * other server.
 *
 * @param existing the file's text, or undefined when there is none.
 * @param replace whether an existing `talkie-walkie` entry may be replaced.
 * @throws {ExistingEntryError} when the text is not a JSON object with an `mcpServers`
 *   object, or already has the entry and `replace` is false.
 */
export function mergeEntry(
  existing: string | undefined,
  entry: ServerEntry,
  replace: boolean,
): string {
  let config: { mcpServers?: Record<string, unknown>; [key: string]: unknown } = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      config = JSON.parse(existing);
    } catch (e) {
      throw new ExistingEntryError(
        `it is not valid JSON (${(e as Error).message}): fix the file, or use --print`,
      );
    }
    const servers = config?.mcpServers;
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
      throw new ExistingEntryError("it is not a JSON object");
    }
    if (servers !== undefined && (typeof servers !== "object" || servers === null)) {
      throw new ExistingEntryError('its "mcpServers" is not an object');
    }
  }
  const servers = { ...(config.mcpServers ?? {}) };
  if (SERVER_NAME in servers && !replace) {
    throw new ExistingEntryError(`it already has a "${SERVER_NAME}" server`);
  }
  servers[SERVER_NAME] = entry;
  return JSON.stringify({ ...config, mcpServers: servers }, null, 2) + "\n";
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `claude mcp add` line that writes the same entry into the project's `.mcp.json`. */
export function claudeAddLine(entry: ServerEntry): string {
  const env = Object.entries(entry.env).flatMap(([k, v]) => ["-e", shellQuote(`${k}=${v}`)]);
  return ["claude", "mcp", "add", SERVER_NAME, "--scope", "project", ...env, "--", entry.command]
    .concat(entry.args.map(shellQuote)).join(" ");
}

/**
 * One `init` line per peer, to run on that peer's machine (or in its project on this one), so
 * its PEERS names us back.
 *
 * @param here how others reach this node: `host:port`, or undefined in local mode (bare names).
 */
export function shareLines(answers: InitAnswers, here: string | undefined): string[] {
  const entries = answers.peers.split(",").map((e) => e.trim()).filter((e) => e !== "");
  const self = here === undefined ? answers.role : `${answers.role}=${here}`;
  return entries.map((entry) => {
    const name = entry.split("=")[0];
    const peers = [self, ...entries.filter((e) => e !== entry)].join(",");
    const port = entry.includes("=") ? (/:(\d+)$/.exec(entry)?.[1] ?? "8788") : "auto";
    return `npx -y ${PACKAGE_SPEC} init --role ${shellQuote(name)} --peers ${
      shellQuote(peers)
    } --port ${port}`;
  });
}
