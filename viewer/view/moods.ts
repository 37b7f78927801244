/**
 * How each mood looks: its colour, the word under the name, and the face the avatar makes.
 * One entry per mood in {@linkcode MOODS}; the avatar and the desk read only this table, so a
 * new mood is a new entry here (and its rule in `moodOf`).
 *
 * @module
 */

import type { Color } from "./ansi.ts";
import type { Desk, Mood } from "../model/state.ts";

/** What the avatar's face does in one frame. */
export interface Face {
  /** `left`/`right`: looking that way; `closed`: a blink; `x`: X eyes; `asleep`: lids down. */
  eyes: "open" | "closed" | "left" | "right" | "x" | "asleep";
  mouth: "closed" | "open";
  /** An ear poking out: -1 on the left, 1 on the right, 0 none. */
  ear: -1 | 0 | 1;
}

/** What a mood's face and label may depend on. */
export interface MoodContext {
  desk: Desk;
  /** Now, ms. */
  now: number;
  /** Where the desk it listens to is: -1 left, 1 right, 0 unknown or straight above/below. */
  toward: -1 | 0 | 1;
}

/** The look of one mood. */
export interface MoodLook {
  /** Colour of the avatar and the status dot. */
  color: Color;
  /** The word(s) on the mood line, at most 12 columns. */
  label: (c: MoodContext) => string;
  face: (c: MoodContext) => Face;
}

const FACE: Face = { eyes: "open", mouth: "closed", ear: 0 };

// A stable number per name, well mixed, so node-01 and node-02 do not blink together.
function phase(key: string): number {
  let h = 0x811c9dc5;
  for (const ch of key) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193);
  return (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0) % 4000;
}

/** Why a node is offline, in a word or two: `auth failed`, `not a node` or `unreachable`. */
export function offlineReason(desk: Desk): string {
  if (desk.connection === "auth-failed") return "auth failed";
  if (desk.error !== undefined && /\b404\b|not a talkie/i.test(desk.error)) return "not a node";
  return "unreachable";
}

/**
 * Every mood's look, as the original viewer describes them: idle (gray, an occasional
 * blink), talking (green, the mouth animates), listening (cyan, an ear toward the speaker),
 * connecting (yellow, looking around while it retries), offline (red, X eyes, the reason) and
 * waiting (magenta, eyes shut, a lock: its session waits on a permission prompt), and not
 * started (blue, asleep: a session of this machine the viewer waits for).
 */
export const MOODS: Record<Mood, MoodLook> = {
  idle: {
    color: "gray",
    label: () => "idle",
    face: ({ desk, now }) => ({
      ...FACE,
      eyes: (now + phase(desk.key)) % 4000 < 200 ? "closed" : "open",
    }),
  },
  talking: {
    color: "green",
    label: () => "talking",
    face: ({ desk, now }) => ({
      ...FACE,
      mouth: Math.floor((now - (desk.talkedAt ?? 0)) / 250) % 2 === 0 ? "open" : "closed",
    }),
  },
  listening: {
    color: "cyan",
    label: () => "listening",
    face: ({ toward }) => ({ ...FACE, ear: toward === 0 ? 1 : toward }),
  },
  connecting: {
    color: "yellow",
    label: () => "connecting…",
    face: ({ now }) => ({ ...FACE, eyes: Math.floor(now / 500) % 2 === 0 ? "left" : "right" }),
  },
  waiting: {
    color: "magenta",
    label: () => "🔒 waiting",
    face: () => ({ ...FACE, eyes: "closed" }),
  },
  "not-started": {
    color: "blue",
    label: () => "not started",
    face: () => ({ ...FACE, eyes: "asleep" }),
  },
  offline: {
    color: "red",
    label: ({ desk }) => offlineReason(desk),
    face: () => ({ ...FACE, eyes: "x" }),
  },
};
