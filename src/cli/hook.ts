/**
 * `claude-talkie-walkie hook`: the waiter Claude Code runs as an `asyncRewake` hook
 * (`SessionStart`, `Stop`) as `/bin/sh -c …` with the hook input JSON (`session_id`, `cwd`,
 * `hook_event_name`) on stdin. It finds the node of its own session (`platform/hook_registry`),
 * waits for that session's next messages, prints them on stderr as the `<channel …>` blocks a
 * channel event shows, confirms, and exits 2: Claude Code then gives the model a turn with that
 * text (claude-channels §8). It exits 0 quietly when a newer waiter takes over, or when the
 * session or its node ends; it waits a little for a node that restarts.
 *
 * Started after every turn, so it loads node built-ins only: no MCP SDK, no NATS, no zod.
 *
 * @module
 */

import { request } from "node:http";
import process from "node:process";
import { localRegistryDir, pidAlive } from "../platform/local_registry.ts";
import {
  ancestorsOf,
  hookEntries,
  type HookEntry,
  nearestNode,
  parentPid,
  sessionDepth,
} from "../platform/hook_registry.ts";

/** What Claude Code passes on stdin (the fields the waiter uses). */
export interface HookInput {
  session_id?: string;
  cwd?: string;
  hook_event_name?: string;
}

/** The exit code that makes Claude Code show stderr to the model and wake the session. */
export const WAKE = 2;

function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve("");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", () => resolve(""));
  });
}

function parseInput(text: string): HookInput {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v as HookInput : {};
  } catch {
    return {};
  }
}

/** One JSON POST to the node; rejects when the node cannot be reached. */
function post(
  entry: HookEntry,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(`${entry.url}${path}`, {
      method: "POST",
      agent: false,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(data),
        authorization: `Bearer ${entry.token}`,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          });
        } catch {
          reject(new Error(`the node answered HTTP ${res.statusCode} without JSON`));
        }
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(data);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the waiter. Resolves to the exit code: {@linkcode WAKE} after printing messages, 0 when
 * there is nothing to say, 1 when the node refused it.
 *
 * @param env `INTERCOM_LOCAL_DIR`/`XDG_RUNTIME_DIR` (the registry), `INTERCOM_HOOK_GRACE_MS`
 *   (how long to look for a node that is not there or restarts; default 30 000).
 */
export async function hookMain(
  _args: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const input = parseInput(await readStdin());
  const dir = localRegistryDir(env);
  const ancestors = ancestorsOf(process.pid);
  const depth = sessionDepth(ancestors);
  const parent = parentPid(process.pid);
  const graceMs = Number(env.INTERCOM_HOOK_GRACE_MS) >= 0
    ? Number(env.INTERCOM_HOOK_GRACE_MS)
    : 30_000;
  // The session ended: Claude Code (or our own parent) is gone, we were handed to init.
  const sessionGone = () =>
    parentPid(process.pid) !== parent ||
    (ancestors[depth] !== undefined && !pidAlive(ancestors[depth]));
  let lookingSince = Date.now();
  while (!sessionGone()) {
    const entry = nearestNode(hookEntries(dir), ancestors, depth, input.cwd);
    if (!entry) {
      // Before the node registers (SessionStart runs early), or while it restarts.
      if (Date.now() - lookingSince >= graceMs) return 0;
      await sleep(200);
      continue;
    }
    let answer;
    try {
      answer = await post(entry, "/hook/wait", {
        session_id: input.session_id ?? "",
        cwd: input.cwd ?? "",
        hook_event_name: input.hook_event_name ?? "",
      });
    } catch {
      // The node went away mid-wait: a restarted one may come.
      lookingSince = Date.now();
      await sleep(200);
      continue;
    }
    if (answer.status === 401) {
      process.stderr.write(
        `claude-talkie-walkie hook: the node (pid ${entry.pid}) refused this waiter's token\n`,
      );
      return 1;
    }
    const r = answer.body;
    if (r.kind === "messages" && typeof r.text === "string") {
      process.stderr.write(`${r.text}\n`);
      // Printed: the claim is confirmed, and the messages count as seen.
      await post(entry, "/hook/confirm", { claim: r.claim }).catch(() => {});
      return WAKE;
    }
    if (r.kind === "superseded") return 0;
    // "closed": the node ends; if its session goes on, a restarted node may come.
    lookingSince = Date.now();
    await sleep(200);
  }
  return 0;
}
