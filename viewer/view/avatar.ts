/**
 * The pixel-art avatar: a head of half blocks (`▀ ▄ █`) whose eyes, mouth and ear follow a
 * {@linkcode Face}. Two sizes: the original's four rows, and two rows for a compact office.
 *
 * @module
 */

import type { Face } from "./moods.ts";

/** One avatar size. */
export interface Sprite {
  /** Columns of every row, the ear's included. */
  width: number;
  /** Rows. */
  height: number;
  /** The rows, top first, for `face`; each exactly `width` columns. */
  draw: (face: Face) => string[];
}

const FULL_EYES: Record<Face["eyes"], string> = {
  open: "██▄██▄██",
  closed: "████████",
  left: "█▄██▄███",
  right: "███▄██▄█",
  x: "██╳██╳██",
  asleep: "██─██─██",
};

/**
 * The original's avatar, eight columns by four rows; a listening ear takes the top row's
 * corner toward the speaker (`▄████▄█`):
 * ```
 *  ▄████▄
 * ██▄██▄██
 * ██▀██▀██
 *  ▀████▀
 * ```
 *
 * @example
 * ```ts
 * FULL_SPRITE.draw({ eyes: "x", mouth: "closed", ear: 0 })[1]; // "██╳██╳██"
 * ```
 */
export const FULL_SPRITE: Sprite = {
  width: 8,
  height: 4,
  draw: (face) => [
    (face.ear < 0 ? "█" : " ") + "▄████▄" + (face.ear > 0 ? "█" : " "),
    FULL_EYES[face.eyes],
    face.mouth === "open" ? "███  ███" : "██▀██▀██",
    " ▀████▀ ",
  ],
};

const COMPACT_EYES: Record<Face["eyes"], string> = {
  open: "█▄██▄█",
  closed: "██████",
  left: "▄██▄██",
  right: "██▄██▄",
  x: "█╳██╳█",
  asleep: "█─██─█",
};

/** A two-row avatar for a compact office: a six-column head, a spare column for the ear. */
export const COMPACT_SPRITE: Sprite = {
  width: 8,
  height: 2,
  draw: (face) => [
    (face.ear < 0 ? "▄" : " ") + COMPACT_EYES[face.eyes] + (face.ear > 0 ? "▄" : " "),
    face.mouth === "open" ? " ▀█▄▄█▀ " : " ▀████▀ ",
  ],
};
