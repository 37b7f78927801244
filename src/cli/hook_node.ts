/**
 * The node's side of the hook path, as a process: the loopback hook listener for its waiters
 * and its entry in the per-user registry (`hooks/<pid>.json`: URL, token, ancestors), so the
 * `claude-talkie-walkie hook` of the same Claude Code session finds it.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import process from "node:process";
import type { Logger } from "../platform/log.ts";
import type { Config } from "../node/config.ts";
import type { Waiters } from "../node/waiters.ts";
import { serveHooks } from "../http/hook_server.ts";
import { localRegistryDir, processStartTime } from "../platform/local_registry.ts";
import { ancestorsOf, registerHook } from "../platform/hook_registry.ts";

/**
 * Serves `waiters` on loopback and registers them for this session's waiter; never throws (a
 * node without the hook path still works with channel events and the inbox).
 *
 * @returns `close`, which ends the waiters, stops the listener and removes the entry.
 */
export async function serveHookWaiters(
  waiters: Waiters,
  config: Pick<Config, "role" | "project" | "localDir">,
  log: Logger,
): Promise<{ close: () => Promise<void> }> {
  const dir = config.localDir ?? localRegistryDir(process.env);
  try {
    const token = randomBytes(32).toString("base64url");
    let told = false;
    const server = await serveHooks(waiters, token, ({ hook_event_name }) => {
      if (told) return;
      told = true;
      log(`a hook waiter attached (${hook_event_name || "hook"}): messages go through hooks`);
    });
    const startTime = processStartTime(process.pid);
    const unregister = registerHook(dir, {
      pid: process.pid,
      ...(startTime ? { start_time: startTime } : {}),
      url: server.url,
      token,
      ancestors: ancestorsOf(process.pid),
      role: config.role,
      ...(config.project ? { cwd: config.project } : { cwd: process.cwd() }),
    });
    return {
      close: async () => {
        unregister();
        await server.close();
      },
    };
  } catch (e) {
    log(`warning: no hook waiters for this session (${(e as Error).message})`);
    return { close: () => Promise.resolve() };
  }
}
