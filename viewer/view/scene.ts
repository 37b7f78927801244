/**
 * The whole picture: {@linkcode render}`(state, {width, height, now})` draws the office (walls,
 * desks in wrapping rows, arrows on the floor) and the chat feed under it into a fresh frame.
 * Pure: the same state, size and time always give the same frame.
 *
 * @module
 */

import { CENTER, drawDesk, FLOOR_ROW, SLOT_HEIGHT, SLOT_WIDTH } from "./desk.ts";
import { drawFeed } from "./feed.ts";
import { fit, Frame } from "./frame.ts";
import { type Flight, TIMING, type ViewerState } from "../model/state.ts";

/** Options for {@linkcode render}. */
export interface RenderOptions {
  /** Size of the terminal, in columns and rows. */
  width: number;
  height: number;
  /** Now, ms since the epoch: drives moods, blinks and arrows. */
  now: number;
  /** Minutes east of UTC for the feed's clock times; 0 (UTC) by default. */
  utcOffsetMinutes?: number;
}

/** Where desks go for a given width. */
interface Layout {
  columns: number;
  /** Rows of desks; at least 1, for the empty office. */
  rows: number;
  /** Left column of the first slot (the grid is centred). */
  left: number;
  /** Rows the room takes, walls included. */
  height: number;
}

/** Smallest terminal that fits one desk and its walls. */
export const MIN_WIDTH = SLOT_WIDTH + 2;

function layout(desks: number, width: number): Layout {
  const columns = Math.max(1, Math.min(desks, Math.floor((width - 2) / SLOT_WIDTH)));
  const rows = Math.max(1, Math.ceil(desks / columns));
  const left = 1 + Math.floor((width - 2 - columns * SLOT_WIDTH) / 2);
  return { columns, rows, left, height: rows * SLOT_HEIGHT + 2 };
}

/**
 * Rows a frame of this width needs to show the room and up to `maxFeed` feed lines: what
 * `--once` uses as its height.
 */
export function preferredHeight(state: ViewerState, width: number, maxFeed = 10): number {
  const feed = Math.max(1, Math.min(maxFeed, state.chat.length));
  return layout(state.desks.length, width).height + feed;
}

/**
 * Draws `state` at `options.now` into a new `width` x `height` frame. When the room does not
 * fit, the frame holds a one-line notice instead, naming the size needed.
 */
export function render(state: ViewerState, options: RenderOptions): Frame {
  const frame = new Frame(options.width, options.height);
  const room = layout(state.desks.length, frame.width);
  if (frame.width < MIN_WIDTH || frame.height < room.height) {
    const need = frame.width < MIN_WIDTH
      ? `${MIN_WIDTH}x${SLOT_HEIGHT + 2}`
      : `${room.height} rows`;
    const text = `Terminal too small (${frame.width}x${frame.height}): need ${need}; q quits`;
    frame.put(0, 0, fit(text, frame.width), { fg: "yellow" });
    return frame;
  }
  drawWalls(frame, state, room);
  const slot = (i: number) => ({
    x: room.left + (i % room.columns) * SLOT_WIDTH,
    y: 1 + Math.floor(i / room.columns) * SLOT_HEIGHT,
  });
  if (state.desks.length === 0) {
    frame.put(1 + Math.floor(SLOT_HEIGHT / 2), 2, fit("No nodes to watch", frame.width - 4), {
      dim: true,
    });
  }
  state.desks.forEach((desk, i) => {
    const from = state.desks.findIndex((d) => d.key === desk.heardFrom);
    const toward = from < 0 ? 0 : slot(from).x < slot(i).x ? -1 : 1;
    drawDesk(frame, desk, { ...slot(i), now: options.now, toward });
  });
  for (const flight of state.flights) {
    const a = state.desks.findIndex((d) => d.key === flight.from);
    const b = state.desks.findIndex((d) => d.key === flight.to);
    if (a >= 0 && b >= 0) drawArrow(frame, flight, slot(a), slot(b), options.now);
  }
  drawFeed(frame, state.chat, {
    top: room.height,
    rows: frame.height - room.height,
    utcOffsetMinutes: options.utcOffsetMinutes ?? 0,
  });
  return frame;
}

function drawWalls(frame: Frame, state: ViewerState, room: Layout): void {
  const w = frame.width;
  const watched = state.desks.filter((d) => d.watched);
  const online = watched.filter((d) => d.connection === "online").length;
  const title = fit(` office · ${watched.length} watched · ${online} online `, w - 4);
  frame.put(0, 0, "╭─" + "─".repeat(w - 3) + "╮", { fg: "gray" });
  frame.put(0, 2, title, { fg: "white", bold: true });
  for (let r = 1; r < room.height - 1; r++) {
    frame.put(r, 0, "│", { fg: "gray" });
    frame.put(r, w - 1, "│", { fg: "gray" });
  }
  frame.put(room.height - 1, 0, "╰" + "─".repeat(w - 2) + "╯", { fg: "gray" });
}

/**
 * An arrow along the floor, its head at the flight's progress. Between desks in one row it
 * runs along that row's floor; to another row, along the recipient's floor from the sender's
 * column (or from beside the recipient when they share a column).
 */
function drawArrow(
  frame: Frame,
  flight: Flight,
  from: { x: number; y: number },
  to: { x: number; y: number },
  now: number,
): void {
  const progress = Math.min(1, Math.max(0, (now - flight.start) / TIMING.flightMs));
  const end = to.x + CENTER;
  let start = from.x + CENTER;
  if (from.y !== to.y && start === end) start = end - CENTER > 1 ? end - CENTER : end + CENTER;
  const row = to.y + FLOOR_ROW;
  const dir = end > start ? 1 : -1;
  const head = start + Math.round((end - start) * progress);
  const lo = Math.min(start, head);
  const hi = Math.max(start, head);
  const style = { fg: "green" } as const;
  if (hi > lo) frame.put(row, lo, "─".repeat(hi - lo), style);
  frame.put(row, head, dir > 0 ? "▶" : "◀", style);
}
