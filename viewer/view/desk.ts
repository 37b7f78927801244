/**
 * One desk of the office, drawn into a frame: speech bubble, avatar, desk top and legs,
 * `● name` and the mood line. Pure; only box drawing, block elements and ASCII, whose widths
 * terminals agree on.
 *
 * @module
 */

import type { Style } from "./ansi.ts";
import { fit, type Frame, textWidth } from "./frame.ts";
import type { DeskSize } from "./layout.ts";
import { MOODS } from "./moods.ts";
import { type Desk, moodOf } from "../model/state.ts";

/** Options for {@linkcode drawDesk}. */
export interface DeskOptions {
  /** Left column and top row of the slot. */
  x: number;
  y: number;
  size: DeskSize;
  /** Now, ms: picks the mood, the blink and the talking mouth. */
  now: number;
  /** Where the desk it listens to is: -1 left, 1 right, 0 unknown. */
  toward: -1 | 0 | 1;
}

/**
 * Message text as one short line: whitespace runs become one space, and only the start of a
 * long text is looked at (a 60 KB message costs no more than a short one).
 */
export function preview(text: string, columns: number): string {
  const limit = Math.max(16, columns * 8);
  const head = text.length > limit ? text.slice(0, limit) : text;
  const line = head.replace(/\s+/g, " ").trim();
  // The cut start may already fit: add a mark so fit() still ends it with "…".
  return head === text ? line : line + " ".repeat(columns) + "…";
}

// Column where `text` starts so that it begins at `preferred` but ends inside the slot.
function within(size: DeskSize, preferred: number, text: string): number {
  return Math.max(0, Math.min(preferred, size.slotWidth - 1 - textWidth(text)));
}

/** Draws `desk` (without its bubble) in the slot at (`options.x`, `options.y`). */
export function drawDesk(frame: Frame, desk: Desk, options: DeskOptions): void {
  const { x, y, size } = options;
  const mood = moodOf(desk, options.now);
  const look = MOODS[mood];
  const context = { desk, now: options.now, toward: options.toward };
  const color: Style = { fg: look.color };
  size.sprite.draw(look.face(context)).forEach((row, i) => {
    frame.put(y + size.rows.avatar + i, x + size.avatarLeft, row, color);
  });
  const wood: Style = { fg: "white" };
  frame.put(y + size.rows.desk, x + size.deskLeft, "▔".repeat(size.deskWidth), wood);
  if (size.legs) {
    frame.put(y + size.rows.desk + 1, x + size.deskLeft + 1, "╵", wood);
    frame.put(y + size.rows.desk + 1, x + size.deskLeft + size.deskWidth - 2, "╵", wood);
  }
  const name = fit(desk.key, size.slotWidth - 4);
  const nameX = x + within(size, size.deskLeft, "● " + name);
  frame.put(y + size.rows.name, nameX, "●", color);
  frame.put(y + size.rows.name, nameX + 2, name, desk.watched ? { bold: true } : { dim: true });
  // The status line a session set goes after its mood: "idle · fixing the login test".
  const status = desk.status ? ` · ${desk.status.replace(/\p{Cc}|\p{Cf}/gu, " ")}` : "";
  const label = fit(look.label(context) + status, size.slotWidth - 1);
  frame.put(y + size.rows.mood, x + within(size, size.deskLeft + 2, label), label, color);
}

// `fit`, without a space before its "…".
const cut = (text: string, width: number) => fit(text, width).replace(/\s+…$/, "…");

/**
 * `text` in at most `lines` lines of at most `width` columns, broken between words (a word
 * longer than a line is cut); the last line ends with `…` when text was left over.
 *
 * @example
 * ```ts
 * wrap("check the login flow on staging", 12, 2); // ["check the", "login flow …"]
 * ```
 */
export function wrap(text: string, width: number, lines: number): string[] {
  const words = preview(text, width * lines).split(" ").filter((w) => w !== "");
  const out: string[] = [];
  let line = "";
  for (const [i, word] of words.entries()) {
    const next = line === "" ? word : `${line} ${word}`;
    if (textWidth(next) <= width) {
      line = next;
      continue;
    }
    if (line !== "") out.push(line);
    if (out.length === lines) {
      out[lines - 1] = cut(out[lines - 1] + " " + words.slice(i).join(" "), width);
      return out;
    }
    line = cut(word, width);
  }
  if (line !== "") out.push(line);
  if (out.length > lines) {
    out.splice(lines - 1, out.length, fit(out.slice(lines - 1).join(" "), width));
  }
  return out;
}

/**
 * Draws a speech bubble in the slot at (`x`, `y`): a rounded box with `text` wrapped over the
 * size's lines and cut to fit, and a tail pointing down at the avatar's head (`┬`, then `╵`
 * in the full and large sizes).
 *
 * ```
 * ╭──────────────╮
 * │ check the l… │
 * ╰───────┬──────╯
 *         ╵
 * ```
 */
export function drawBubble(
  frame: Frame,
  text: string,
  options: { x: number; y: number; size: DeskSize },
): void {
  const { x, y, size } = options;
  const lines = size.bubbleLines > 1
    ? wrap(text, size.bubbleWidth - 4, size.bubbleLines)
    : [fit(preview(text, size.bubbleWidth), size.bubbleWidth - 4)];
  const inner = Math.max(...lines.map(textWidth));
  const width = inner + 4;
  const lowest = size.bubbleLeft;
  const left = Math.max(
    lowest,
    Math.min(size.center - (width >> 1), lowest + size.bubbleWidth - width),
  );
  const tail = size.center - left;
  const line: Style = { fg: "green" };
  // A short message sits low, next to the head: the empty lines are above it.
  const top = y + size.bubbleLines - lines.length;
  frame.put(top, x + left, "╭" + "─".repeat(width - 2) + "╮", line);
  lines.forEach((text, i) => {
    frame.put(top + 1 + i, x + left, "│ ", line);
    frame.put(top + 1 + i, x + left + 2, text);
    frame.put(top + 1 + i, x + left + width - 2, " │", line);
  });
  const bottom = "╰" + "─".repeat(tail - 1) + "┬" + "─".repeat(width - tail - 2) + "╯";
  const under = y + size.bubbleLines + 1;
  frame.put(under, x + left, bottom, line);
  if (size.tailRow) frame.put(under + 1, x + size.center, "╵", line);
}
