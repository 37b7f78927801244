/**
 * The chat feed under the room: a `─── chat ───` rule, then one entry per logical message,
 * `14:32:15 frontend → backend: what API endpoints exist…`, newest at the bottom. A long
 * message wraps onto up to {@linkcode WRAP_ROWS} rows (indented under the name) and is cut
 * with `…` after that; notes (`— demo script restarts —`) are dim.
 *
 * @module
 */

import type { Style } from "./ansi.ts";
import { preview } from "./desk.ts";
import { fit, type Frame, graphemes, textWidth } from "./frame.ts";
import type { ChatLine } from "../model/state.ts";
import { OPERATOR_ROLE } from "../../src/core/names.ts";

/** Longest a name gets in the feed before its ellipsis, in columns. */
const NAME_WIDTH = 16;
/** Most rows one message takes. */
export const WRAP_ROWS = 3;
/** Indent of a message's continuation rows: under the sender, after the clock. */
const INDENT = 9;

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

/**
 * `text` word-wrapped into one row per entry of `widths` (columns of each row), at most; when
 * it does not all fit, the last row ends with `…`. Words longer than a row are cut.
 *
 * @example
 * ```ts
 * wrap("the build is green", [9, 9]); // ["the build", "is green"]
 * wrap("the build is green", [9]); // ["the buil…"]
 * ```
 */
export function wrap(text: string, widths: readonly number[]): string[] {
  const gs = graphemes(text);
  const rows: string[] = [];
  const join = (from: number, to: number) => gs.slice(from, to).map((g) => g.ch).join("");
  let i = 0;
  for (let r = 0; r < widths.length && i < gs.length; r++) {
    while (i < gs.length && gs[i].ch === " ") i++;
    const width = Math.max(0, widths[r]);
    let used = 0, j = i, space = -1;
    while (j < gs.length && used + gs[j].width <= width) {
      if (gs[j].ch === " ") space = j;
      used += gs[j++].width;
    }
    if (j >= gs.length) {
      rows.push(join(i, j));
      break;
    }
    if (r === widths.length - 1) {
      rows.push(fit(join(i, gs.length), width));
      break;
    }
    const end = gs[j].ch === " " || space <= i ? j : space;
    rows.push(join(i, end).trimEnd());
    i = end;
  }
  return rows;
}

type Segment = [text: string, style: Style];

/** The rows of one entry, each a list of styled pieces, at most `maxRows` of them. */
export function entryRows(
  line: ChatLine,
  options: { width: number; maxRows: number; utcOffsetMinutes: number },
): Segment[][] {
  const { width, maxRows } = options;
  const time: Segment = [clockTime(line.at, options.utcOffsetMinutes) + " ", { fg: "gray" }];
  if (line.note) return [[time, [preview(line.text, width), { dim: true }]]];
  const head: Segment[] = [
    time,
    // The human operator's messages stand apart from the peers'.
    line.from === OPERATOR_ROLE
      ? ["★ operator", { fg: "magenta", bold: true }]
      : [fit(line.from, NAME_WIDTH), { fg: "green", bold: true }],
    [" → ", { fg: "gray" }],
    [line.to.map((n) => fit(n, NAME_WIDTH)).join(", "), { fg: "cyan" }],
    [": ", { fg: "gray" }],
  ];
  const start = head.reduce((x, [t]) => x + textWidth(t), 0);
  const widths = [width - start, ...Array(Math.max(0, maxRows - 1)).fill(width - INDENT)];
  const text = wrap(preview(line.text, widths.reduce((a, b) => a + b, 0)), widths);
  return (text.length ? text : [""]).map((t, i) =>
    i === 0 ? [...head, [t, {}]] : [[" ".repeat(INDENT), {}], [t, {}]]
  );
}

/** Options for {@linkcode drawFeed}. */
export interface FeedOptions {
  /** Row of the `─── chat ───` rule; the feed's rows follow it. */
  top: number;
  /** Rows of the feed, rule excluded. */
  rows: number;
  /** Minutes east of UTC for the clock times. */
  utcOffsetMinutes: number;
}

/** The feed's rows for the newest entries that fit in `rows`, oldest first. */
function visibleRows(
  chat: readonly ChatLine[],
  width: number,
  rows: number,
  utcOffsetMinutes: number,
): Segment[][] {
  const out: Segment[][][] = [];
  let left = rows;
  for (let k = chat.length - 1; k >= 0 && left > 0; k--) {
    const entry = entryRows(chat[k], {
      width,
      maxRows: Math.min(WRAP_ROWS, left),
      utcOffsetMinutes,
    });
    out.unshift(entry);
    left -= entry.length;
  }
  return out.flat();
}

/** Rows the feed needs to show the newest entries in at most `max` rows (at least 1). */
export function feedHeight(chat: readonly ChatLine[], width: number, max: number): number {
  return Math.max(1, visibleRows(chat, width, max, 0).length);
}

/** Draws the `─── chat ───` rule and under it the newest entries, the newest at the bottom. */
export function drawFeed(frame: Frame, chat: readonly ChatLine[], options: FeedOptions): void {
  const rule = "─── chat " + "─".repeat(Math.max(0, frame.width - 9));
  frame.put(options.top, 0, rule, { fg: "gray" });
  if (options.rows <= 0) return;
  if (chat.length === 0) {
    frame.put(options.top + 1, 0, fit("No messages yet", frame.width), { dim: true });
    return;
  }
  const rows = visibleRows(chat, frame.width, options.rows, options.utcOffsetMinutes);
  rows.forEach((segments, i) => {
    let x = 0;
    for (const [text, style] of segments) {
      x = frame.put(options.top + 1 + i, x, fit(text, frame.width - x), style);
      if (x >= frame.width) break;
    }
  });
}
