/**
 * Which nodes the viewer watches: `name=host[:port]` arguments, or `PEERS` plus this machine's
 * own node from the environment. A bare name is a node of this machine (`INTERCOM_PORT=auto`)
 * whose address the viewer looks up in the local registry on every connection attempt, since
 * each restart of that session gives it a new port.
 *
 * @module
 */

import { DEFAULT_PORT, parsePeerAddress } from "../../src/http/address.ts";
import { OPERATOR_ROLE, roleProblem } from "../../src/core/names.ts";

/** One node to watch. */
export interface Target {
  /** Name shown on its desk (for a node of this machine, its role). */
  name: string;
  /**
   * Base URL, e.g. `http://10.0.0.6:8788`; `undefined` for a node of this machine, found in
   * the local registry by its role each time the viewer connects.
   */
  url?: string;
}

/**
 * Parses `name=host[:port]` entries (addresses as in `PEERS`: https and ngrok included); a
 * bare `name` is a node of this machine, looked up later (see {@linkcode Target.url}).
 *
 * @throws {SyntaxError} naming the entry when it has an empty name, a name given twice, a bare
 *   name that is no role name, or an address `parsePeerAddress` refuses.
 */
export function parseTargets(entries: readonly string[]): Target[] {
  const out: Target[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq < 0) {
      // A bare name is a node on this machine (INTERCOM_PORT=auto), as in PEERS.
      const problem = roleProblem(entry);
      if (problem) {
        throw new SyntaxError(
          `Node "${entry}" ${problem}; a node of another machine is written name=host[:port]`,
        );
      }
      if (!out.some((t) => t.name === entry)) out.push({ name: entry });
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
 * `MY_ROLE` is set and not among them, this machine's node at 127.0.0.1:`INTERCOM_PORT` (or
 * found in the local registry with `INTERCOM_PORT=auto`). Without arguments the viewer also
 * watches every node of the local registry, as they come and go (see `main.ts`).
 *
 * @throws {SyntaxError} as {@linkcode parseTargets}.
 */
export function resolveTargets(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Target[] {
  if (args.length > 0) return parseTargets(args);
  const targets = parseTargets((env.PEERS ?? "").split(","));
  const role = env.MY_ROLE?.trim();
  if (role && !targets.some((t) => t.name === role)) {
    const port = env.INTERCOM_PORT?.trim() || String(DEFAULT_PORT);
    targets.unshift(
      port.toLowerCase() === "auto"
        ? { name: role }
        : { name: role, url: parsePeerAddress(`127.0.0.1:${port}`) },
    );
  }
  return targets;
}

/**
 * The roles of the local registry's live nodes that are not watched yet, in name order: the
 * desks the no-argument form adds as sessions start.
 *
 * @param watched names already on a desk.
 * @param registered roles of the registry's live entries.
 */
export function newLocalTargets(
  watched: readonly string[],
  registered: readonly string[],
): Target[] {
  const known = new Set(watched);
  return [...new Set(registered)].filter((r) => !known.has(r) && roleProblem(r) === undefined)
    .sort().map((name) => ({ name }));
}
