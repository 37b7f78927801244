/**
 * `claude-talkie-walkie pin <role> [<fingerprint>]`: changes what this node trusts to speak as
 * `role`, after a real key change (a reinstalled machine). With a fingerprint the role is pinned
 * to it; without one its pin is removed and the next key that signs for it is pinned. `pin`
 * alone lists the pins. Works on the node's store; while the node runs (it holds the store's
 * lock) the change goes to it as `POST /pin`, signed with its own key.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { decodeNodeKeys, isFingerprint, signNode } from "../core/node_key.ts";
import { WEBHOOK_ID, WEBHOOK_TIMESTAMP } from "../core/signature.ts";
import { repin } from "../node/repin.ts";
import { localRegistryDir, lookupLocal } from "../platform/local_registry.ts";
import { roleProblem } from "../core/names.ts";
import { Store } from "../store/store.ts";
import { nodeKeyFile, stateDir, storeFile } from "../store/location.ts";

/** Help text of `pin`. */
export const PIN_HELP = `Usage: claude-talkie-walkie pin [--role NAME] [<role> [<fingerprint>]]

Lists the node keys this node has pinned, or re-pins <role> to <fingerprint>
(SHA256:…, as init, doctor and list_peers print it), or, without a fingerprint,
forgets <role>'s pin so the next key that signs for it is pinned. Acts on the
store of --role (MY_ROLE) in INTERCOM_STATE_DIR, or, while that node runs, asks it
(at INTERCOM_PORT on this machine, signed with its own key).
`;

/**
 * Runs `pin`.
 *
 * @returns 0 when done, 1 when the store cannot be changed now, 2 on a usage error.
 */
export async function pinMain(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
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
      if (role === undefined) {
        return fail(`the node "${own}" is running: end it to list its pins`, 1);
      }
      const asked = await askRunningNode(env, own, mesh, role, fingerprint);
      if ("error" in asked) return fail(asked.error, 1);
      say(asked.said);
      return 0;
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
    const line = repin(store.pins, own, role, fingerprint, Date.now());
    // On stderr as the node logs, and on stdout as the command's answer.
    process.stderr.write(line + "\n");
    say(line);
    return 0;
  } finally {
    store.close();
  }
}

/** Sends `POST /pin` to the running node of `own` on this machine, signed with its key. */
async function askRunningNode(
  env: Record<string, string | undefined>,
  own: string,
  mesh: string | undefined,
  role: string,
  fingerprint: string | undefined,
): Promise<{ said: string } | { error: string }> {
  const keyPath = nodeKeyFile(stateDir(env), own, mesh);
  let keys;
  try {
    keys = decodeNodeKeys(readFileSync(keyPath, "utf8"));
  } catch (e) {
    return { error: `cannot read the node key ${keyPath}: ${(e as Error).message}` };
  }
  const port = (env.INTERCOM_PORT ?? "8788").trim();
  const url = port === "auto"
    ? lookupLocal(localRegistryDir(env), own)
    : `http://127.0.0.1:${port}`;
  if (!url) return { error: `the node "${own}" is running but not found on this machine` };
  const body = JSON.stringify(fingerprint ? { role, fingerprint } : { role });
  const id = `pin_${crypto.randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const r = await fetch(`${url}/pin`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [WEBHOOK_ID]: id,
        [WEBHOOK_TIMESTAMP]: String(timestamp),
        ...signNode(keys, { id, timestamp, body }),
      },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    const answer = await r.json().catch(() => ({})) as { said?: unknown; error?: unknown };
    if (r.ok && typeof answer.said === "string") return { said: answer.said };
    return { error: `the node "${own}" at ${url} refused: ${answer.error ?? `HTTP ${r.status}`}` };
  } catch (e) {
    return { error: `cannot reach the node "${own}" at ${url}: ${(e as Error).message}` };
  }
}
