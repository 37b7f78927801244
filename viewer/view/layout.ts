/**
 * Where things go: the three desk sizes (a large one for big terminals, the original's, and a
 * compact one for crowded offices) and the choice of size, columns and rows for a number of
 * desks in a terminal.
 *
 * Rows of the screen, top to bottom: the room (walls around rows of desks), a `─── chat ───`
 * rule, the feed, and one hint line.
 *
 * @module
 */

import { COMPACT_SPRITE, FULL_SPRITE, type Sprite } from "./avatar.ts";

/** One desk size. Offsets are relative to the desk's slot (its top-left corner). */
export interface DeskSize {
  name: "large" | "full" | "compact";
  /** Columns of a slot, gap included, and rows of a row of desks, floor included. */
  slotWidth: number;
  rowHeight: number;
  sprite: Sprite;
  /** Column of the sprite's left edge. */
  avatarLeft: number;
  /** Column the bubble's tail and the arrows point at (the avatar's middle). */
  center: number;
  /** Widest bubble, in columns, and its leftmost column. */
  bubbleWidth: number;
  /** Lines of text a bubble holds (the message wraps over them). */
  bubbleLines: number;
  bubbleLeft: number;
  /** Whether a `╵` row under the bubble points at the head (else the `┬` does). */
  tailRow: boolean;
  /** The desk top (`▔`): first column and width; legs `╵` under both ends when `legs`. */
  deskLeft: number;
  deskWidth: number;
  legs: boolean;
  /** Rows of the avatar's top, the desk top, the name, the mood and the floor. */
  rows: { avatar: number; desk: number; name: number; mood: number; floor: number };
}

/**
 * A large desk for a big terminal: 36 columns, 15 rows; the bubble holds three lines of 30
 * columns (a whole short sentence), the desk top is twice the original's.
 */
export const LARGE: DeskSize = {
  name: "large",
  slotWidth: 36,
  rowHeight: 15,
  sprite: FULL_SPRITE,
  avatarLeft: 14,
  center: 18,
  bubbleWidth: 34,
  bubbleLines: 3,
  bubbleLeft: 1,
  tailRow: true,
  deskLeft: 8,
  deskWidth: 20,
  legs: true,
  rows: { avatar: 6, desk: 10, name: 12, mood: 13, floor: 14 },
};

/** The original's desk: 18 columns, 13 rows (bubble, tail, 4-row avatar, desk, legs, ...). */
export const FULL: DeskSize = {
  name: "full",
  slotWidth: 18,
  rowHeight: 13,
  sprite: FULL_SPRITE,
  avatarLeft: 5,
  center: 9,
  bubbleWidth: 16,
  bubbleLines: 1,
  bubbleLeft: 1,
  tailRow: true,
  deskLeft: 4,
  deskWidth: 10,
  legs: true,
  rows: { avatar: 4, desk: 8, name: 10, mood: 11, floor: 12 },
};

/** A compact desk: 13 columns, 9 rows (bubble, 2-row avatar, desk, name, mood, floor). */
export const COMPACT: DeskSize = {
  name: "compact",
  slotWidth: 13,
  rowHeight: 9,
  sprite: COMPACT_SPRITE,
  avatarLeft: 2,
  center: 6,
  bubbleWidth: 12,
  bubbleLines: 1,
  bubbleLeft: 0,
  tailRow: false,
  deskLeft: 2,
  deskWidth: 8,
  legs: false,
  rows: { avatar: 3, desk: 5, name: 6, mood: 7, floor: 8 },
};

/** Rows under the room besides the feed: the chat rule and the hint line. */
export const CHROME_ROWS = 2;

/** Feed rows each size must leave to be chosen: the full office gives way to a compact one. */
export const MIN_FEED: Record<DeskSize["name"], number> = { large: 12, full: 3, compact: 1 };

/** Where the desks go. */
export interface Layout {
  size: DeskSize;
  /** Desks per row, and rows of desks (at least 1, for an empty office). */
  columns: number;
  rows: number;
  /** Column of the first slot: the grid is centred between the walls. */
  left: number;
  /** Rows the room takes, walls included. */
  height: number;
}

/** The grid for `desks` desks of `size` in a terminal `width` columns wide. */
export function grid(size: DeskSize, desks: number, width: number): Layout {
  const fit = Math.max(1, Math.floor((width - 2) / size.slotWidth));
  const rows = Math.max(1, Math.ceil(desks / fit));
  // Balanced rows: 12 desks that fit 8 a row go 6 and 6, not 8 and 4.
  const columns = Math.max(1, Math.ceil(desks / rows));
  const left = 1 + Math.max(0, Math.floor((width - 2 - columns * size.slotWidth) / 2));
  return { size, columns, rows, left, height: rows * size.rowHeight + 2 };
}

/** Top-left corner of desk `i`'s slot. */
export function slotOf(layout: Layout, i: number): { x: number; y: number } {
  return {
    x: layout.left + (i % layout.columns) * layout.size.slotWidth,
    y: 1 + Math.floor(i / layout.columns) * layout.size.rowHeight,
  };
}

/**
 * The layout for `desks` desks in a `width` x `height` terminal: large desks when they leave a
 * good feed, else the original's when they leave a few feed lines, else compact ones, else
 * `undefined` (too small).
 */
export function chooseLayout(desks: number, width: number, height: number): Layout | undefined {
  for (const size of [LARGE, FULL, COMPACT]) {
    if (width < size.slotWidth + 2) continue;
    const layout = grid(size, desks, width);
    if (height - layout.height - CHROME_ROWS >= MIN_FEED[size.name]) return layout;
  }
  return undefined;
}

/**
 * The smallest terminal for `desks` desks at about `width` columns: `[columns, rows]` of the
 * compact office with one feed line. Used by the "too small" notice.
 */
export function minimumSize(desks: number, width: number): [number, number] {
  const columns = Math.max(width, COMPACT.slotWidth + 2);
  return [columns, grid(COMPACT, desks, columns).height + CHROME_ROWS + MIN_FEED.compact];
}
