/**
 * The operator's panel under the office: one line per pending permission prompt of every
 * watched node, `backend · Bash · Run npm test · abcde · 12 s`, the selected one marked `▸`
 * with its untrusted input preview on the next line; and the compose line of an operator
 * message. Pure.
 *
 * ```
 * ─── permission prompts · y allow · n deny · ↑↓ select ─────────
 * ▸ backend · Bash · Run npm test · abcde · 12 s
 *     { "command": "npm test" }
 *   frontend · Write · Create file · qwert · 3 s
 * ```
 *
 * @module
 */

import { fit, type Frame } from "./frame.ts";
import { type Compose, type PendingPrompt, promptKey, selectedPrompt } from "../model/prompts.ts";
import type { ViewerState } from "../model/state.ts";

/** Most prompt lines shown at once; the list scrolls to keep the selection in view. */
export const PANEL_LINES = 4;

/**
 * Untrusted text made visible on one line: C0 and C1 control characters become their Control
 * Pictures (`␊`, `␛`) or `⟨U+0085⟩`, and bidi and zero-width marks (which reorder or hide what
 * follows) become `⟨U+202E⟩`, so what the operator approves is what is there.
 *
 * @example
 * ```ts
 * revealed("rm -rf /\u202e"); // "rm -rf /⟨U+202E⟩"
 * ```
 */
export function revealed(text: string): string {
  const code = (c: string) =>
    `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`;
  // deno-lint-ignore no-control-regex
  const control = /[\x00-\x1f\x7f]/g;
  return text
    .replace(
      control,
      (c) => String.fromCharCode(c === "\x7f" ? 0x2421 : 0x2400 + c.charCodeAt(0)),
    )
    .replace(/[\x80-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufe0f\ufeff]/g, code);
}

/** Rows the panel takes: none without prompts, else the rule, the lines and one preview. */
export function panelHeight(state: ViewerState): number {
  const n = state.prompts?.length ?? 0;
  return n === 0 ? 0 : 2 + Math.min(n, PANEL_LINES);
}

/** `12 s`, `3 min`: how long a prompt has waited. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min`;
}

/** One prompt's line, without the selection mark. */
export function promptLine(p: PendingPrompt, now: number): string {
  // Waited since the session asked (the node's time); never less than since the viewer heard
  // of it, so a node clock running ahead does not make it younger.
  const parts = [
    p.role,
    p.toolName,
    p.description,
    p.requestId,
    age(now - Math.min(p.at, p.seenAt)),
  ];
  return parts.map((part) => revealed(part).replace(/\s+/g, " ").trim()).join(" · ");
}

/** Draws the panel from row `top` (see {@linkcode panelHeight} for its rows). */
export function drawPanel(frame: Frame, state: ViewerState, top: number, now: number): void {
  const prompts = state.prompts ?? [];
  if (prompts.length === 0) return;
  const w = frame.width;
  const title = "─── permission prompts · y allow · n deny · ↑↓ select ";
  frame.put(top, 0, fit(title + "─".repeat(Math.max(0, w - title.length)), w), {
    fg: "magenta",
  });
  const chosen = selectedPrompt(state)!;
  const at = prompts.indexOf(chosen);
  const first = Math.max(0, Math.min(at - PANEL_LINES + 1, prompts.length - PANEL_LINES));
  const shown = prompts.slice(Math.max(0, first), Math.max(0, first) + PANEL_LINES);
  let row = top + 1;
  for (const p of shown) {
    const selected = promptKey(p) === promptKey(chosen);
    frame.put(row, 0, selected ? "▸ " : "  ", { fg: "magenta", bold: true });
    frame.put(row++, 2, fit(promptLine(p, now), w - 2), selected ? { bold: true } : {});
    if (selected) {
      frame.put(row++, 4, fit(revealed(p.inputPreview), w - 4), { fg: "yellow" });
    }
  }
}

/** The compose line, drawn over the hint line: `message to all ▸ text▏  ←→ to · ⏎ send · esc`. */
export function drawCompose(frame: Frame, compose: Compose, row: number): void {
  const head = `message to ${compose.to ?? "all"} ▸ `;
  const help = "  ←→ recipient · Enter send · Esc cancel";
  frame.put(row, 0, fit(head, frame.width), { fg: "yellow", bold: true });
  const room = frame.width - head.length - help.length - 1;
  // The end of a long text is what is being typed: show that.
  const text = [...compose.text];
  const tail = room > 0 && text.length > room
    ? "…" + text.slice(-(room - 1)).join("")
    : compose.text;
  const x = frame.put(row, head.length, fit(tail + "▏", Math.max(0, frame.width - head.length)));
  if (x + help.length <= frame.width) frame.put(row, x, help, { dim: true });
}
