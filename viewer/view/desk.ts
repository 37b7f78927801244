/**
 * One desk of the office, drawn into a frame: speech bubble, avatar, desk, name and mood.
 * Pure; only box drawing, block elements and ASCII, plus the wide 💬, whose widths terminals
 * agree on.
 *
 * @module
 */

import type { Color, Style } from "./ansi.ts";
import { fit, type Frame, textWidth } from "./frame.ts";
import { type Desk, type Mood, moodOf } from "../model/state.ts";

/** Columns one desk takes, gap included. */
export const SLOT_WIDTH = 18;
/** Rows one desk takes: bubble, 3 of avatar, desk, name, mood, floor. */
export const SLOT_HEIGHT = 8;
/** Row of the floor (where arrows travel), relative to the slot's top. */
export const FLOOR_ROW = 7;

/** The colour of each mood. */
export const MOOD_COLOR: Record<Mood, Color> = {
  idle: "gray",
  talking: "green",
  listening: "cyan",
  connecting: "yellow",
  offline: "red",
};

/** Options for {@linkcode drawDesk}. */
export interface DeskOptions {
  /** Left column and top row of the slot. */
  x: number;
  y: number;
  /** Now, ms: picks the mood, the blink and the talking mouth. */
  now: number;
  /** Where the desk it listens to is: -1 left, 1 right, 0 unknown. */
  toward: -1 | 0 | 1;
}

// A stable small number per name, so desks do not all blink at once.
function phase(key: string): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 4001;
  return h;
}

function face(mood: Mood, desk: Desk, options: DeskOptions): { eyes: string; mouth: string } {
  switch (mood) {
    case "offline":
      return { eyes: "x x", mouth: "─" };
    case "connecting":
      return { eyes: ". .", mouth: "~" };
    case "talking": {
      const open = Math.floor((options.now - (desk.talkedAt ?? 0)) / 250) % 2 === 0;
      return { eyes: "o o", mouth: open ? "o" : "─" };
    }
    case "listening":
      return { eyes: options.toward < 0 ? "oo " : options.toward > 0 ? " oo" : "o o", mouth: "─" };
    case "idle": {
      const blink = (options.now + phase(desk.key)) % 4000 < 200;
      return { eyes: blink ? "- -" : "o o", mouth: "─" };
    }
  }
}

/** Column of a slot's centre line, relative to its left edge. */
export const CENTER = 8;

function centered(frame: Frame, row: number, x: number, text: string, style: Style): void {
  frame.put(row, x + CENTER - Math.floor((textWidth(text) - 1) / 2), text, style);
}

/** The label under a desk's name. */
export function moodLabel(desk: Desk, mood: Mood): string {
  if (desk.connection === "auth-failed") return "auth failed";
  return mood === "connecting" ? "connecting…" : mood;
}

/** Draws `desk` in the slot at (`options.x`, `options.y`). */
export function drawDesk(frame: Frame, desk: Desk, options: DeskOptions): void {
  const { x, y } = options;
  const mood = moodOf(desk, options.now);
  const color = MOOD_COLOR[mood];
  const { eyes, mouth } = face(mood, desk, options);
  if (mood === "talking" && desk.bubble) {
    const text = "💬 " + fit(desk.bubble.replace(/\s+/g, " ").trim(), SLOT_WIDTH - 4);
    centered(frame, y, x, text, { fg: "green" });
  }
  const ax = x + CENTER - 2;
  const head: Style = { fg: color };
  frame.put(y + 1, ax, "╭───╮", head);
  frame.put(y + 2, ax, `│${eyes}│`, head);
  frame.put(y + 3, ax, `╰─${mouth}─╯`, head);
  if (mood === "listening") {
    if (options.toward < 0) frame.put(y + 2, ax - 1, "(", head);
    else frame.put(y + 2, ax + 5, ")", head);
  }
  centered(frame, y + 4, x, "▀".repeat(13), { fg: "gray" });
  const name = fit(desk.key, SLOT_WIDTH - 2);
  centered(frame, y + 5, x, name, desk.watched ? { bold: true } : { dim: true });
  centered(frame, y + 6, x, moodLabel(desk, mood), { fg: color });
}
