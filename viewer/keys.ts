/**
 * What the viewer's keys do: `q` quits; with the operator key, `y`/`n` allow or deny the
 * selected permission prompt, the arrows move the selection, and `m` composes an operator
 * message (←→ pick the recipient or all, Enter sends, Esc cancels).
 *
 * As in bubbletea, a key only names what should happen: {@linkcode keyActions} is pure and
 * returns actions; {@linkcode actionRunner} is the one shell that performs them (state changes
 * through `update`, requests through an {@linkcode OperatorSend}, outcomes as feed notes).
 *
 * @module
 */

import type { OperatorReply, OperatorSend } from "./operator.ts";
import { type PendingPrompt, selectedPrompt } from "./model/prompts.ts";
import type { ViewerEvent, ViewerState } from "./model/state.ts";

/** Something a key asks for. */
export type KeyAction =
  | { type: "quit" }
  /** A change of the state (selection, compose line). */
  | { type: "fold"; event: ViewerEvent }
  /** Answer a prompt. */
  | { type: "verdict"; prompt: PendingPrompt; behavior: "allow" | "deny" }
  /** Send an operator message to each of `to`. */
  | { type: "message"; to: readonly string[]; text: string };

/** What {@linkcode keyActions} reads besides the state. */
export interface KeyOptions {
  /** Whether the operator key is held (else only `q` works). */
  operator: boolean;
  /** The nodes an operator message may go to, in order; "all" means these. */
  recipients: readonly string[];
}

const compose = (edit: Extract<ViewerEvent, { type: "compose" }>["edit"]): KeyAction => ({
  type: "fold",
  event: { type: "compose", edit },
});

/**
 * The actions of `key` (as `runTerminal` names keys: `q`, `enter`, `up`, a typed character)
 * in `state`. Pure.
 *
 * @example
 * ```ts
 * import { initialState } from "./model/state.ts";
 * keyActions(initialState(["backend"]), "q", { operator: false, recipients: [] });
 * // [{ type: "quit" }]
 * ```
 */
export function keyActions(state: ViewerState, key: string, o: KeyOptions): KeyAction[] {
  const draft = state.compose;
  if (draft) {
    if (key === "enter") {
      const to = draft.to === undefined ? o.recipients : [draft.to];
      const send: KeyAction[] = draft.text.trim() === "" || !o.operator
        ? []
        : [{ type: "message", to, text: draft.text }];
      return [compose({ action: "close" }), ...send];
    }
    if (key === "escape") return [compose({ action: "close" })];
    if (key === "backspace") return [compose({ action: "backspace" })];
    if (key === "left" || key === "right") {
      const delta = key === "left" ? -1 : 1;
      return [compose({ action: "recipient", delta, recipients: [...o.recipients] })];
    }
    return [...key].length === 1 ? [compose({ action: "type", text: key })] : [];
  }
  if (key === "q" || key === "Q") return [{ type: "quit" }];
  if (!o.operator) return [];
  const prompt = selectedPrompt(state);
  if ((key === "y" || key === "n") && prompt) {
    return [{ type: "verdict", prompt, behavior: key === "y" ? "allow" : "deny" }];
  }
  if (key === "up") return [{ type: "fold", event: { type: "select", delta: -1 } }];
  if (key === "down") return [{ type: "fold", event: { type: "select", delta: 1 } }];
  if (key === "m") return [compose({ action: "open" })];
  return [];
}

/** What {@linkcode actionRunner} needs. */
export interface ActionContext {
  /** The current state. */
  state: () => ViewerState;
  /** Folds an event into the state. */
  fold: (event: ViewerEvent) => void;
  /** Adds a note line to the feed. */
  note: (text: string) => void;
  /** Sends operator requests (HTTP or the broker); without it only `q` works. */
  send?: OperatorSend;
  /** The nodes "all" means, now (sessions come and go). */
  recipients: () => string[];
}

const failed = (reply: OperatorReply) => reply.ok ? "" : reply.error;

/**
 * The terminal's `onKey`: computes the key's actions and performs them.
 *
 * @returns `"quit"` when a key asked to quit.
 */
export function actionRunner(ctx: ActionContext): (key: string) => "quit" | void {
  const { fold, note } = ctx;
  const perform = (action: KeyAction): "quit" | void => {
    switch (action.type) {
      case "quit":
        return "quit";
      case "fold":
        return fold(action.event);
      case "verdict": {
        const { prompt, behavior } = action;
        const what = `${behavior === "allow" ? "allowed" : "denied"} ${prompt.toolName} ` +
          `(${prompt.requestId}) on ${prompt.role}`;
        ctx.send?.(prompt.node, "verdict", { request_id: prompt.requestId, behavior })
          .then((reply) => {
            note(
              reply.ok ? `you ${what}` : `could not answer ${prompt.requestId}: ${failed(reply)}`,
            );
            // Answered, or no longer pending there: either way it leaves the panel.
            if (reply.ok || reply.status === 409) {
              fold({ type: "permission_expired", node: prompt.node, requestId: prompt.requestId });
            }
          });
        return;
      }
      case "message":
        for (const node of action.to) {
          ctx.send?.(node, "message", { text: action.text }).then((reply) => {
            if (!reply.ok) note(`message to ${node} failed: ${failed(reply)}`);
          });
        }
    }
  };
  return (key) => {
    const actions = keyActions(ctx.state(), key, {
      operator: ctx.send !== undefined,
      recipients: ctx.recipients(),
    });
    let result: "quit" | void = undefined;
    for (const action of actions) result = perform(action) ?? result;
    return result;
  };
}
