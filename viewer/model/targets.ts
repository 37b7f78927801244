/**
 * Which nodes the viewer watches: `name=host[:port]` arguments, or `PEERS` plus this machine's
 * own node from the environment.
 *
 * @module
 */

import { DEFAULT_PORT, parsePeerAddress } from "../../src/http/address.ts";
import { OPERATOR_ROLE } from "../../src/core/names.ts";

/** One node to watch. */
export interface Target {
  /** Name shown on its desk. */
  name: string;
  /** Base URL, e.g. `http://10.0.0.6:8788`. */
  url: string;
}

/**
 * Parses `name=host[:port]` entries (addresses as in `PEERS`: https and ngrok included); a
 * bare `name` is found with `lookup` (this machine's nodes of `INTERCOM_PORT=auto`).
 *
 * @throws {SyntaxError} naming the entry when it has no `=`, an empty name, a name given twice,
 *   or an address `parsePeerAddress` refuses.
 */
export function parseTargets(
  entries: readonly string[],
  lookup?: (name: string) => string | undefined,
): Target[] {
  const out: Target[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq < 0) {
      // A bare name is a node on this machine (INTERCOM_PORT=auto), as in PEERS.
      const url = lookup?.(entry);
      if (url === undefined) {
        throw new SyntaxError(
          `Node "${entry}" has no "=" and no node "${entry}" runs on this machine ` +
            "(INTERCOM_PORT=auto): write it as name=host[:port]",
        );
      }
      if (!out.some((t) => t.name === entry)) out.push({ name: entry, url });
      continue;
    }
    const name = entry.slice(0, eq).trim();
    if (name === "") throw new SyntaxError(`Node "${entry}" has an empty name`);
    if (name.toLowerCase() === OPERATOR_ROLE) {
      throw new SyntaxError(`Node name "${name}" is reserved for the human operator`);
    }
    if (out.some((t) => t.name === name)) {
      throw new SyntaxError(`Node name "${name}" is given twice: each node needs its own name`);
    }
    try {
      out.push({ name, url: parsePeerAddress(entry.slice(eq + 1)) });
    } catch (e) {
      throw new SyntaxError(`Node "${entry}": ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * The nodes to watch: the arguments when there are any; else `PEERS` (`name=host,…`) and, when
 * `MY_ROLE` is set and not among them, this machine's node at 127.0.0.1:`INTERCOM_PORT`.
 *
 * @throws {SyntaxError} as {@linkcode parseTargets}.
 */
export function resolveTargets(
  args: readonly string[],
  env: Record<string, string | undefined>,
  lookup?: (name: string) => string | undefined,
): Target[] {
  if (args.length > 0) return parseTargets(args, lookup);
  const targets = parseTargets((env.PEERS ?? "").split(","), lookup);
  const role = env.MY_ROLE?.trim();
  if (role && !targets.some((t) => t.name === role)) {
    const port = env.INTERCOM_PORT?.trim() || String(DEFAULT_PORT);
    const url = port.toLowerCase() === "auto"
      ? lookup?.(role)
      : parsePeerAddress(`127.0.0.1:${port}`);
    if (url) targets.unshift({ name: role, url });
  }
  return targets;
}
