/**
 * `claude-talkie-walkie pin <role> [<fingerprint>]`: changes what this node trusts to speak as
 * `role`, after a real key change (a reinstalled machine). With a fingerprint the role is pinned
 * to it; without one its pin is removed and the next key that signs for it is pinned. `pin`
 * alone lists the pins. Works on the node's store, so the node must be stopped (it holds the
 * store's lock while it runs).
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { isFingerprint } from "../core/node_key.ts";
import { roleProblem } from "../core/names.ts";
import { Store } from "../store/store.ts";
import { stateDir, storeFile } from "../store/location.ts";

/** Help text of `pin`. */
export const PIN_HELP = `Usage: claude-talkie-walkie pin [--role NAME] [<role> [<fingerprint>]]

Lists the node keys this node has pinned, or re-pins <role> to <fingerprint>
(SHA256:…, as init, doctor and list_peers print it), or, without a fingerprint,
forgets <role>'s pin so the next key that signs for it is pinned. Acts on the
store of --role (MY_ROLE) in INTERCOM_STATE_DIR; stop that node's session first.
`;

/**
 * Runs `pin`.
 *
 * @returns 0 when done, 1 when the store cannot be changed now, 2 on a usage error.
 */
export function pinMain(args: string[], env: Record<string, string | undefined>): number {
  const say = (line: string) => process.stdout.write(line + "\n");
  const fail = (line: string, code = 2) => {
    process.stderr.write(`pin: ${line}\n`);
    return code;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { role: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail(`${(e as Error).message}; see --help`);
  }
  if (parsed.values.help) {
    say(PIN_HELP.trimEnd());
    return 0;
  }
  const own = parsed.values.role ?? env.MY_ROLE ?? "developer-a";
  const [role, fingerprint, extra] = parsed.positionals;
  if (extra !== undefined) return fail("takes a role and at most one fingerprint; see --help");
  if (roleProblem(own)) return fail(`--role "${own}" ${roleProblem(own)}`);
  if (role !== undefined && roleProblem(role)) return fail(`"${role}" ${roleProblem(role)}`);
  if (fingerprint !== undefined && !isFingerprint(fingerprint)) {
    return fail(`"${fingerprint}" is not a node key fingerprint (SHA256: and 43 characters)`);
  }
  const mesh = (env.INTERCOM_NATS_URL ?? "").trim() ? env.INTERCOM_MESH || "talkie" : undefined;
  const path = storeFile(stateDir(env), own, mesh);
  const store = Store.open({ path, log: () => {}, deliveredTtlMs: 600_000 });
  try {
    if (store.info.state === "locked") {
      return fail(
        `the node "${own}" is running and holds ${path}: end its session, then run pin again`,
        1,
      );
    }
    if (!store.info.persistent) return fail(`cannot open ${path}: ${store.info.problem}`, 1);
    if (role === undefined) {
      const pins = store.pins.all();
      if (pins.length === 0) say(`"${own}" has pinned no node keys yet`);
      for (const p of pins) {
        say(`${p.role}  ${p.fingerprint}  ${new Date(p.pinnedAt).toISOString()}`);
      }
      return 0;
    }
    const before = store.pins.get(role)?.fingerprint;
    if (fingerprint === undefined) store.pins.delete(role);
    else store.pins.set(role, fingerprint, Date.now());
    const was = before ? `replaced ${before}` : "was not pinned";
    const now = fingerprint
      ? `now pinned to ${fingerprint}`
      : "now unpinned: the next key that signs for it is pinned";
    const line = `"${own}": "${role}" ${was}; ${now}`;
    // On stderr as the node logs, and on stdout as the command's answer.
    process.stderr.write(line + "\n");
    say(line);
    return 0;
  } finally {
    store.close();
  }
}
