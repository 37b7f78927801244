/**
 * The `viewer` command: parses its arguments, follows every node's `/events` and either runs
 * the live office in the terminal, serves it as a web page (`--web`) or, with `--once`,
 * prints one plain frame.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import process from "node:process";
import { parseArgs } from "node:util";
import { DEFAULT_SECRET } from "../src/node/config.ts";
import { httpOperatorSend, viewerOperatorKey } from "./operator.ts";
import { followNode } from "./sources/sse.ts";
import { initialState } from "./model/state.ts";
import { newLocalTargets, resolveTargets, type Target } from "./model/targets.ts";
import {
  listEntries,
  localRegistryDir,
  lookupLocal,
  pidAlive,
} from "../src/platform/local_registry.ts";
import { localSecret } from "../src/platform/local_secret.ts";
import { fold, offerNotes, operatorParts, show, type ViewerMainOptions, write } from "./show.ts";
import { watchMesh } from "./watch_mesh.ts";
import type { LiveView } from "./web/run.ts";

export type { ViewerMainOptions } from "./show.ts";

/** Help text of the `viewer` command. */
export const VIEWER_HELP = `Usage: claude-talkie-walkie viewer [options] [name=host[:port] ...]

Shows every node's activity as one live office in the terminal: desks, moods, speech
bubbles, arrows between speakers and a chat feed. Quit with q or Ctrl-C.

Nodes: name=host[:port] arguments (as in PEERS: https:// and ngrok hosts work), or bare
names of this machine's sessions (INTERCOM_PORT=auto), followed to their new port when
they restart and shown as "not started" until they run; without arguments, every session
of this machine as they come and go, PEERS and MY_ROLE's node (127.0.0.1:INTERCOM_PORT).
The secret comes from INTERCOM_SECRET; without it, this machine's sessions are watched with
the per-user secret their nodes use (INTERCOM_PORT=auto).

Broker mode: --nats nats://host:4222 watches every node of the mesh through NATS instead
(mesh from INTERCOM_MESH, login from INTERCOM_NATS_CREDS / _USER and _PASSWORD / _TOKEN);
the operator's verdicts and messages then go through the broker too.

Human operator: with the operator's private key (--operator-key PATH, else
~/.config/claude-talkie-walkie/operator.key when it exists) a panel under the office
shows every pending permission prompt of the watched nodes: y allows the selected
one, n denies it, the arrows move the selection; m writes an operator message
(left/right picks the recipient or all, Enter sends, Esc cancels).

Options:
  --operator-key <path>  the operator's private key (see claude-talkie-walkie operator-key)
  --fps <n>     frames per second, 1 to 60 (default 12)
  --no-color    no colours (also when NO_COLOR is set)
  --nats <url>  watch the whole mesh through NATS (comma-separated servers)
  --once        print one plain frame after connecting, then exit
  --web         serve the office as a web page on 127.0.0.1 instead; prints the URL to open
                (with a per-run token) on stdout
  --port <n>    the web page's port (default: any free one)
  --host <addr> listen on addr instead of 127.0.0.1 (the page is then reachable from other
                machines: prefer an SSH tunnel)
  -h, --help    show this help
`;

const FLAGS = {
  fps: { type: "string" },
  "no-color": { type: "boolean" },
  once: { type: "boolean" },
  nats: { type: "string" },
  web: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  "operator-key": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** How often the no-argument form looks for new sessions in the local registry, ms. */
const LOCAL_POLL_MS = 2000;

/**
 * Runs the viewer.
 *
 * @param args arguments after `viewer`.
 * @param env environment variables (PEERS, MY_ROLE, INTERCOM_PORT, INTERCOM_SECRET, NO_COLOR).
 * @param options.signal ends the live screen from outside (the demo's `--duration`).
 * @param options.notes called once with a function that adds a dim note to the feed (the
 *   demo's `— demo script restarts —`).
 * @returns the exit code: 0 on quit (for `--once`: when some node answered), 1 when a
 *   `--once` reached no node or the screen failed, 2 on a usage error.
 * @example
 * ```ts
 * process.exitCode = await viewerMain(["backend=10.0.0.6:8788"], process.env);
 * ```
 */
export async function viewerMain(
  args: string[],
  env: Record<string, string | undefined>,
  options: ViewerMainOptions = {},
): Promise<number> {
  let values, positionals, targets;
  try {
    ({ values, positionals } = parseArgs({ args, options: FLAGS, allowPositionals: true }));
    targets = values.nats === undefined ? resolveTargets(positionals, env) : [];
  } catch (e) {
    await write(process.stderr, `viewer: ${(e as Error).message}; see --help\n`);
    return 2;
  }
  if (values.help) {
    await write(process.stdout, VIEWER_HELP);
    return 0;
  }
  const fps = Number(values.fps ?? "12");
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) {
    await write(process.stderr, `viewer: --fps "${values.fps}" must be a whole number 1 to 60\n`);
    return 2;
  }
  const port = Number(values.port ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    await write(process.stderr, `viewer: --port "${values.port}" must be a port number\n`);
    return 2;
  }
  const web = values.web ? { host: values.host, port } : undefined;
  let operatorKey: KeyObject | undefined;
  try {
    operatorKey = viewerOperatorKey(values["operator-key"], env, (warning) => {
      process.stderr.write(`viewer: warning: ${warning}\n`);
    });
  } catch (e) {
    await write(process.stderr, `viewer: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.nats !== undefined) {
    return await watchMesh(values.nats, env, { ...values, web, operatorKey }, fps, options);
  }
  // Bare names are this machine's nodes of INTERCOM_PORT=auto, found in the user's registry;
  // without arguments, every node there is watched, as sessions start.
  const registry = localRegistryDir(env);
  const everyLocal = positionals.length === 0;
  const registered = () => listEntries(registry).filter((e) => pidAlive(e.pid)).map((e) => e.role);
  if (everyLocal) targets.push(...newLocalTargets(targets.map((t) => t.name), registered()));
  // The live screen and the page wait for sessions to start; one frame or a pipe cannot.
  if (targets.length === 0 && (values.once || (!web && !process.stdout.isTTY))) {
    await write(
      process.stderr,
      "viewer: No nodes to watch: no session runs on this machine; give name=host[:port] " +
        "arguments or set PEERS or MY_ROLE\n",
    );
    return 2;
  }
  const stop = new AbortController();
  // Messages sent before now are history: they fill the feed, nobody talks because of them.
  const view: LiveView = { state: initialState(targets.map((t) => t.name), Date.now()) };
  offerNotes(view, options);
  // Each desk's address as last resolved: the operator's keys and the page sign for these.
  const urls = new Map<string, string>();
  const addresses: Record<string, string> = {};
  const resolve = (t: Target) => () => {
    const url = t.url ?? lookupLocal(registry, t.name);
    if (url === undefined) {
      urls.delete(t.name);
      delete addresses[t.name];
    } else {
      urls.set(t.name, url);
      addresses[t.name] = url;
    }
    return url;
  };
  for (const t of targets) if (t.url) resolve(t)();
  // The page's Allow/Deny and composer (--web) sign with the same key as the terminal's keys.
  const send = operatorKey && httpOperatorSend(operatorKey, urls);
  const { onKey, actions } = operatorParts(view, send, () => [...urls.keys()]);
  const secretOf = targetSecrets(env, registry);
  const follow = (t: Target) =>
    followNode(t.name, resolve(t), {
      secret: secretOf(t),
      signal: stop.signal,
      onEvent: fold(view),
    });
  const sources = targets.map(follow);
  if (everyLocal) {
    // Sessions that start later get a desk within a poll.
    const poll = setInterval(() => {
      const fresh = newLocalTargets(
        view.state.desks.filter((d) => d.watched).map((d) => d.key),
        registered(),
      );
      if (fresh.length === 0) return;
      fold(view)({ type: "watch", nodes: fresh.map((t) => t.name) });
      sources.push(...fresh.map(follow));
    }, LOCAL_POLL_MS);
    stop.signal.addEventListener("abort", () => clearInterval(poll), { once: true });
  }
  return await show(view, sources, stop, {
    once: values.once,
    noColor: values["no-color"],
    fps,
    env,
    signal: options.signal,
    web: web && { ...web, addresses },
    options: { ...options, operator: options.operator ?? actions },
    onKey,
    operatorPanel: send !== undefined,
  });
}

/**
 * The secret to watch a target with: `INTERCOM_SECRET` when set; else, for a session of this
 * machine (a bare name), the per-user secret of the registry directory, which its node uses
 * without `INTERCOM_SECRET` (made now when no node has made it yet); else the default secret.
 */
function targetSecrets(
  env: Record<string, string | undefined>,
  registry: string,
): (target: Target) => string {
  const given = env.INTERCOM_SECRET;
  if (given !== undefined && given.trim() !== "") return () => given;
  let perUser: string | undefined;
  return (target) => {
    if (target.url !== undefined) return given ?? DEFAULT_SECRET;
    try {
      return perUser ??= localSecret(registry);
    } catch (e) {
      process.stderr.write(
        `viewer: warning: cannot use the per-user secret: ${(e as Error).message}\n`,
      );
      return perUser = given ?? DEFAULT_SECRET;
    }
  };
}
