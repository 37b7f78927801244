/**
 * Pending permission prompts: a session stopped on "Allow Bash: npm test?" and its node told
 * watchers (`/events` `permission_request`). A prompt stays pending until a verdict is seen
 * (`permission_verdict`), or it is older than {@linkcode PROMPT_TTL_MS} (Claude Code does not
 * say when a prompt was answered in the terminal). Pure; used by `update` in `state.ts`.
 *
 * @module
 */

/** A permission prompt waiting for an answer. Every text is untrusted. */
export interface PendingPrompt {
  /** The key of the watched node that reported it. */
  node: string;
  /** Claude Code's id of the request (five lowercase letters). */
  requestId: string;
  /** The tool, e.g. `Bash`. */
  toolName: string;
  /** What the tool would do, one line. */
  description: string;
  /** The start of the tool's input. */
  inputPreview: string;
  /** The role of the session that asks. */
  role: string;
  /** When it was asked, ms (the node's time; the arrival time when unparseable). */
  at: number;
  /** When the viewer learned of it, ms; expiry counts from here, on the viewer's clock. */
  seenAt: number;
}

/** Viewer events about permission prompts, from the asking session's node (`node`). */
export type PromptEvent =
  | {
    /** A session waits on a permission prompt; `at` in ms. */
    type: "permission_request";
    node: string;
    requestId: string;
    toolName: string;
    description: string;
    inputPreview: string;
    role: string;
    at: number;
  }
  | { type: "permission_verdict"; node: string; requestId: string; behavior: "allow" | "deny" };

/** How long a prompt stays pending without a verdict, ms (10 minutes). */
export const PROMPT_TTL_MS = 10 * 60_000;

/** Most prompts kept; the oldest go first. */
export const PROMPT_LIMIT = 50;

/** The prompts with `prompt` added (or replacing one with the same node and id). */
export function addPrompt(
  prompts: readonly PendingPrompt[],
  prompt: PendingPrompt,
): readonly PendingPrompt[] {
  const rest = prompts.filter((p) => !samePrompt(p, prompt.node, prompt.requestId));
  const next = [...rest, prompt];
  return next.length > PROMPT_LIMIT ? next.slice(next.length - PROMPT_LIMIT) : next;
}

/** The prompts without the one of `node` with `requestId`; `prompts` itself when absent. */
export function removePrompt(
  prompts: readonly PendingPrompt[],
  node: string,
  requestId: string,
): readonly PendingPrompt[] {
  const next = prompts.filter((p) => !samePrompt(p, node, requestId));
  return next.length === prompts.length ? prompts : next;
}

/** The prompts still pending at `now`; `prompts` itself when none expired. */
export function expirePrompts(
  prompts: readonly PendingPrompt[],
  now: number,
): readonly PendingPrompt[] {
  const next = prompts.filter((p) => now - p.seenAt < PROMPT_TTL_MS);
  return next.length === prompts.length ? prompts : next;
}

function samePrompt(p: PendingPrompt, node: string, requestId: string): boolean {
  return p.node === node && p.requestId === requestId.toLowerCase();
}
