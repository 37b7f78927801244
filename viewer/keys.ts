/**
 * What the viewer's keys do: `q` quits; with the operator key, `y`/`n` allow or deny the
 * selected permission prompt, the arrows move the selection, and `m` composes an operator
 * message (←→ pick the recipient or all, Enter sends, Esc cancels). State changes go through
 * `update`; sending goes through `operator.ts`, and its outcome becomes a note in the feed.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { type OperatorReply, sendOperatorMessage, sendVerdict } from "./operator.ts";
import { selectedPrompt } from "./model/prompts.ts";
import type { ViewerEvent, ViewerState } from "./model/state.ts";

/** What {@linkcode keyHandler} needs. */
export interface KeyContext {
  /** The current state. */
  state: () => ViewerState;
  /** Folds an event into the state. */
  fold: (event: ViewerEvent) => void;
  /** Adds a note line to the feed. */
  note: (text: string) => void;
  /** The operator's private key; without it only `q` works. */
  key?: KeyObject;
  /** Base URL of each watched node, by desk key. */
  urls: ReadonlyMap<string, string>;
  /** The `fetch` for the nodes (a private CA's). */
  fetch?: typeof fetch;
}

const failed = (reply: OperatorReply) => reply.ok ? "" : reply.error;

/** Makes the `onKey` of `runTerminal`. */
export function keyHandler(ctx: KeyContext): (key: string) => "quit" | void {
  const { fold, note } = ctx;
  const recipients = () => [...ctx.urls.keys()];

  function verdict(behavior: "allow" | "deny"): void {
    const prompt = selectedPrompt(ctx.state());
    const url = prompt && ctx.urls.get(prompt.node);
    if (!prompt || !url || !ctx.key) return;
    const what = `${behavior === "allow" ? "allowed" : "denied"} ${prompt.toolName} ` +
      `(${prompt.requestId}) on ${prompt.role}`;
    // Signed for the node as the operator named it, whatever role its address claims.
    const to = { url, role: prompt.node, requestId: prompt.requestId, behavior };
    sendVerdict(ctx.key, to, { fetch: ctx.fetch })
      .then((reply) => {
        note(reply.ok ? `you ${what}` : `could not answer ${prompt.requestId}: ${failed(reply)}`);
        // Answered, or no longer pending there: either way it leaves the panel.
        if (reply.ok || reply.status === 409) {
          fold({ type: "permission_expired", node: prompt.node, requestId: prompt.requestId });
        }
      });
  }

  function send(): void {
    const compose = ctx.state().compose;
    fold({ type: "compose", edit: { action: "close" } });
    if (!compose || compose.text.trim() === "" || !ctx.key) return;
    const to = compose.to === undefined ? recipients() : [compose.to];
    for (const node of to) {
      const url = ctx.urls.get(node)!;
      sendOperatorMessage(ctx.key, { url, role: node, text: compose.text }, { fetch: ctx.fetch })
        .then((reply) => {
          if (!reply.ok) note(`message to ${node} failed: ${failed(reply)}`);
        });
    }
  }

  return (key) => {
    if (ctx.state().compose) {
      if (key === "enter") send();
      else if (key === "escape") fold({ type: "compose", edit: { action: "close" } });
      else if (key === "backspace") fold({ type: "compose", edit: { action: "backspace" } });
      else if (key === "left" || key === "right") {
        const delta = key === "left" ? -1 : 1;
        fold({ type: "compose", edit: { action: "recipient", delta, recipients: recipients() } });
      } else if ([...key].length === 1) {
        fold({ type: "compose", edit: { action: "type", text: key } });
      }
      return;
    }
    if (key === "q" || key === "Q") return "quit";
    if (!ctx.key) return;
    if (key === "y") verdict("allow");
    else if (key === "n") verdict("deny");
    else if (key === "up") fold({ type: "select", delta: -1 });
    else if (key === "down") fold({ type: "select", delta: 1 });
    else if (key === "m") fold({ type: "compose", edit: { action: "open" } });
  };
}
