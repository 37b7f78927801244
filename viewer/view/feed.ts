/**
 * The chat feed under the room: one line per logical message,
 * `14:32:15 frontend → backend: what API endpoints exist…`, newest at the bottom.
 *
 * @module
 */

import type { Style } from "./ansi.ts";
import { fit, type Frame } from "./frame.ts";
import type { ChatLine } from "../model/state.ts";

/** Longest a name gets in the feed before its ellipsis, in columns. */
const NAME_WIDTH = 16;

/**
 * `at` (ms since the epoch) as `HH:MM:SS` at a fixed offset from UTC.
 *
 * @param utcOffsetMinutes minutes east of UTC (e.g. 60 for CET, -300 for EST).
 */
export function clockTime(at: number, utcOffsetMinutes: number): string {
  const d = new Date(at + utcOffsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** The styled pieces of one feed line; the message text comes last. */
export function feedSegments(line: ChatLine, utcOffsetMinutes: number): [string, Style][] {
  const to = line.to.map((n) => fit(n, NAME_WIDTH)).join(", ");
  return [
    [clockTime(line.at, utcOffsetMinutes) + " ", { fg: "gray" }],
    [fit(line.from, NAME_WIDTH), { fg: "green", bold: true }],
    [" → ", { fg: "gray" }],
    [to, { fg: "cyan" }],
    [": ", { fg: "gray" }],
    [line.text.replace(/\s+/g, " ").trim(), {}],
  ];
}

/** Options for {@linkcode drawFeed}. */
export interface FeedOptions {
  /** First row of the feed and how many rows it has. */
  top: number;
  rows: number;
  /** Minutes east of UTC for the clock times. */
  utcOffsetMinutes: number;
}

/** Draws the newest `options.rows` chat lines, the newest at the bottom, each cut to fit. */
export function drawFeed(frame: Frame, chat: readonly ChatLine[], options: FeedOptions): void {
  if (options.rows <= 0) return;
  if (chat.length === 0) {
    frame.put(options.top, 0, fit("No messages yet", frame.width), { dim: true });
    return;
  }
  const shown = chat.slice(Math.max(0, chat.length - options.rows));
  shown.forEach((line, i) => {
    const row = options.top + i;
    let x = 0;
    for (const [text, style] of feedSegments(line, options.utcOffsetMinutes)) {
      x = frame.put(row, x, fit(text, frame.width - x), style);
      if (x >= frame.width) break;
    }
  });
}
