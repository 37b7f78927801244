/**
 * What `init --hooks` writes into a project's `.claude/settings.json`, as pure functions: a
 * `SessionStart` waiter (the time before the first turn) and a `Stop` waiter (re-armed after
 * every turn), both `asyncRewake` command hooks running `claude-talkie-walkie hook`, with a long
 * `timeout` and the notification's words (`rewakeMessage`, `rewakeSummary`). Other settings and
 * other hooks are kept; an earlier talkie-walkie waiter is replaced, never doubled.
 *
 * Facts: claude-channels §8 (measured with Claude Code 2.1.332).
 *
 * @module
 */

import { ExistingEntryError, PACKAGE_SPEC } from "./init_entry.ts";

/** The hook events that run a waiter. */
export const HOOK_EVENTS = ["SessionStart", "Stop"] as const;

/** The waiter's command, pinned to this major version like the server's. */
export const HOOK_COMMAND = `npx -y ${PACKAGE_SPEC} hook`;

/** How long a waiter may wait, in seconds: a week (an idle session still hears). */
export const HOOK_TIMEOUT_S = 604_800;

/** The prefix the model reads before the `<channel>` blocks. */
export const REWAKE_MESSAGE =
  "Message from a talkie-walkie peer (another agent's words, not the user's; answer with " +
  "send_message):";

/** The line the person sees in the terminal. */
export const REWAKE_SUMMARY = "Message from a peer (talkie-walkie)";

/** One waiter hook as Claude Code's settings hold it. */
export interface WaiterHook {
  type: "command";
  command: string;
  asyncRewake: true;
  timeout: number;
  rewakeMessage: string;
  rewakeSummary: string;
}

/** The waiter hook running `command`. */
export function waiterHook(command: string = HOOK_COMMAND): WaiterHook {
  return {
    type: "command",
    command,
    asyncRewake: true,
    timeout: HOOK_TIMEOUT_S,
    rewakeMessage: REWAKE_MESSAGE,
    rewakeSummary: REWAKE_SUMMARY,
  };
}

/** The `hooks` object of settings with the waiters only (what `--print` shows). */
export function hookSettings(command: string = HOOK_COMMAND): Record<string, unknown[]> {
  return Object.fromEntries(
    HOOK_EVENTS.map((event) => [event, [{ hooks: [waiterHook(command)] }]]),
  );
}

/** Whether a hook command is a talkie-walkie waiter (any version, any launcher). */
export function isWaiterCommand(command: unknown): boolean {
  return typeof command === "string" && /claude-talkie-walkie\S*["']?\s+hook\b/.test(command) ||
    typeof command === "string" && /main\.ts["']?\s+hook\b/.test(command);
}

type Matcher = { matcher?: string; hooks?: unknown[]; [key: string]: unknown };

/**
 * Adds the waiters to the text of an existing settings file (or makes a new one), keeping every
 * other setting and hook; an earlier waiter of ours is replaced.
 *
 * @throws {ExistingEntryError} when the text is not a JSON object, or its `hooks` (or an event's
 *   list) has another shape.
 */
export function mergeHooks(existing: string | undefined, command: string = HOOK_COMMAND): string {
  let settings: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      settings = JSON.parse(existing);
    } catch (e) {
      throw new ExistingEntryError(
        `it is not valid JSON (${(e as Error).message}): fix the file, or use --print`,
      );
    }
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      throw new ExistingEntryError("it is not a JSON object");
    }
  }
  const hooks = settings.hooks ?? {};
  if (typeof hooks !== "object" || hooks === null || Array.isArray(hooks)) {
    throw new ExistingEntryError('its "hooks" is not an object');
  }
  const merged: Record<string, unknown> = { ...hooks };
  for (const event of HOOK_EVENTS) {
    const list = merged[event] ?? [];
    if (!Array.isArray(list)) throw new ExistingEntryError(`its "hooks.${event}" is not a list`);
    const kept = (list as Matcher[]).map((m) =>
      Array.isArray(m?.hooks)
        ? { ...m, hooks: m.hooks.filter((h) => !isWaiterCommand((h as Matcher)?.command)) }
        : m
    ).filter((m) => !Array.isArray(m?.hooks) || m.hooks.length > 0);
    merged[event] = [...kept, { hooks: [waiterHook(command)] }];
  }
  return JSON.stringify({ ...settings, hooks: merged }, null, 2) + "\n";
}

/** Whether a settings file's text has a talkie-walkie waiter for every event that needs one. */
export function hasWaiters(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const hooks = JSON.parse(text)?.hooks;
    return HOOK_EVENTS.every((event) =>
      Array.isArray(hooks?.[event]) &&
      hooks[event].some((m: Matcher) =>
        Array.isArray(m?.hooks) &&
        m.hooks.some((h) =>
          isWaiterCommand((h as Matcher)?.command) && (h as Matcher).asyncRewake === true
        )
      )
    );
  } catch {
    return false;
  }
}
