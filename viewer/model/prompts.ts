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
  | { type: "permission_verdict"; node: string; requestId: string; behavior: "allow" | "deny" }
  | {
    /** No longer pending: timed out, answered at the terminal, or refused as not pending. */
    type: "permission_expired";
    node: string;
    requestId: string;
  };

/** A `permission_request` event: what a node says of one prompt (also listed in its hello). */
export type PromptRequest = Extract<PromptEvent, { type: "permission_request" }>;

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

/** The identity of a prompt across nodes: `node/requestId`. */
export function promptKey(p: { node: string; requestId: string }): string {
  return `${p.node}/${p.requestId}`;
}

/** The prompts with `node`'s replaced by the ones its hello lists (seen at `now`). */
export function replacePrompts(
  prompts: readonly PendingPrompt[],
  node: string,
  listed: readonly PromptRequest[],
  now: number,
): readonly PendingPrompt[] {
  let next = prompts.filter((p) => p.node !== node);
  for (const { type: _, ...fields } of listed) {
    next = [
      ...addPrompt(next, { ...fields, requestId: fields.requestId.toLowerCase(), seenAt: now }),
    ];
  }
  return next;
}

/** An operator message being written in the terminal: to one desk (its key), or to all. */
export interface Compose {
  /** Desk key of the recipient; `undefined`: every watched node. */
  to?: string;
  /** The text so far. */
  text: string;
}

/**
 * An edit of the operator message: `open` (to all), `close`, `backspace`, `recipient` (cycles
 * all → each of `recipients` → all, by `delta`) or `type` (appends `text`).
 */
export type ComposeEdit =
  | { action: "open" | "close" | "backspace" }
  | { action: "recipient"; delta: -1 | 1; recipients: readonly string[] }
  | { action: "type"; text: string };

/** Longest operator message typed in the terminal, in characters. */
export const COMPOSE_LIMIT = 2000;

/** The terminal's operator fields of the viewer state. */
export interface OperatorFields {
  /** Pending prompts, oldest first. */
  readonly prompts?: readonly PendingPrompt[];
  /** {@linkcode promptKey} of the selected prompt; the newest when unset or gone. */
  readonly selected?: string;
  /** The message being written, after `m`. */
  readonly compose?: Compose;
}

/** The selected prompt: the one chosen, else the newest. */
export function selectedPrompt(state: OperatorFields): PendingPrompt | undefined {
  const prompts = state.prompts ?? [];
  return prompts.find((p) => promptKey(p) === state.selected) ?? prompts.at(-1);
}

/** Moves the selection up (-1, older) or down (1, newer), stopping at the ends. */
export function moveSelection<S extends OperatorFields>(state: S, delta: -1 | 1): S {
  const prompts = state.prompts ?? [];
  const current = selectedPrompt(state);
  if (!current) return state;
  const i = prompts.indexOf(current);
  const next = prompts[Math.min(prompts.length - 1, Math.max(0, i + delta))];
  return { ...state, selected: promptKey(next) };
}

/** Edits the message being composed (see {@linkcode ComposeEdit}). */
export function compose<S extends OperatorFields>(state: S, edit: ComposeEdit): S {
  if (edit.action === "open") return { ...state, compose: { text: "" } };
  const c = state.compose;
  if (!c) return state;
  switch (edit.action) {
    case "close":
      return { ...state, compose: undefined };
    case "backspace":
      return { ...state, compose: { ...c, text: [...c.text].slice(0, -1).join("") } };
    case "type": {
      // Typed text is one line: control characters are not kept.
      // deno-lint-ignore no-control-regex
      const text = (c.text + edit.text.replace(/[\x00-\x1f\x7f]/g, "")).slice(0, COMPOSE_LIMIT);
      return { ...state, compose: { ...c, text } };
    }
    case "recipient": {
      const ring = [undefined, ...edit.recipients];
      const i = ring.indexOf(c.to);
      const to = ring[(i + edit.delta + ring.length) % ring.length];
      return { ...state, compose: { ...c, to } };
    }
  }
}

/** Marks the desks whose node has a pending prompt; `state` itself when nothing changed. */
export function markWaiting<
  S extends OperatorFields & { readonly desks: readonly { key: string; waiting?: boolean }[] },
>(state: S): S {
  const blocked = new Set((state.prompts ?? []).map((p) => p.node));
  if (state.desks.every((d) => !!d.waiting === blocked.has(d.key))) return state;
  return { ...state, desks: state.desks.map((d) => ({ ...d, waiting: blocked.has(d.key) })) };
}
