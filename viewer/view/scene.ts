/**
 * The whole picture: {@linkcode render}`(state, {width, height, now})` draws the office (double
 * walls with ceiling lamps, desks in wrapping rows, a dotted floor under each row where arrows
 * travel), then the `─── chat ───` feed and a hint line, into a fresh frame. Pure: the same
 * state, size and time always give the same frame.
 *
 * @module
 */

import { drawBubble, drawDesk } from "./desk.ts";
import { drawFeed, feedHeight } from "./feed.ts";
import { fit, Frame } from "./frame.ts";
import { drawCompose, drawPanel, panelHeight } from "./panel.ts";
import {
  chooseLayout,
  CHROME_ROWS,
  FULL,
  grid,
  type Layout,
  MIN_FEED,
  minimumSize,
  slotOf,
} from "./layout.ts";
import { type Flight, moodOf, TIMING, type ViewerState } from "../model/state.ts";

/** Options for {@linkcode render}. */
export interface RenderOptions {
  /** Size of the terminal, in columns and rows. */
  width: number;
  /** Rows of the terminal. */
  height: number;
  /** Now, ms since the epoch: drives moods, blinks and arrows. */
  now: number;
  /** Minutes east of UTC for the feed's clock times; 0 (UTC) by default. */
  utcOffsetMinutes?: number;
  /** Whether keys work (the live screen): the hint line then says how to quit. Default true. */
  interactive?: boolean;
  /**
   * Whether the viewer holds the operator key: the permission panel is drawn under the office
   * and the hint names `m`. Default false.
   */
  operator?: boolean;
}

/**
 * Rows a frame of this width needs to show the office with the original's desks and up to
 * `maxFeed` feed rows: what `--once` uses as its height.
 */
export function preferredHeight(state: ViewerState, width: number, maxFeed = 10): number {
  const feed = Math.max(MIN_FEED.full, feedHeight(state.chat, width, maxFeed));
  return grid(FULL, state.desks.length, width).height + CHROME_ROWS + feed;
}

/**
 * Draws `state` at `options.now` into a new `width` x `height` frame. When even the compact
 * office does not fit, the frame holds a one-line notice instead, naming the size needed.
 *
 * @example
 * ```ts
 * import { initialState } from "../model/state.ts";
 * const frame = render(initialState(["backend", "frontend"]), { width: 80, height: 24, now: 0 });
 * console.error(frame.toText());
 * ```
 */
export function render(state: ViewerState, options: RenderOptions): Frame {
  const frame = new Frame(options.width, options.height);
  const panel = options.operator ? panelHeight(state) : 0;
  const room = chooseLayout(state.desks.length, frame.width, frame.height - panel);
  if (room === undefined) {
    const [w, h] = minimumSize(state.desks.length, frame.width);
    const desks = state.desks.length === 1 ? "1 desk" : `${state.desks.length} desks`;
    // The size needed comes first: a narrow terminal cuts the end.
    const text = `Too small for ${desks}: need ${w}x${h}, have ${frame.width}x${frame.height}; ` +
      "q quits";
    frame.put(0, 0, fit(text, frame.width), { fg: "yellow" });
    return frame;
  }
  drawRoom(frame, room);
  const slots = state.desks.map((_, i) => slotOf(room, i));
  if (state.desks.length === 0) {
    frame.put(1 + room.size.rows.avatar, 2, fit("No nodes to watch", frame.width - 4), {
      dim: true,
    });
  }
  state.desks.forEach((desk, i) => {
    const from = state.desks.findIndex((d) => d.key === desk.heardFrom);
    const toward = from < 0 || slots[from].x === slots[i].x
      ? 0
      : slots[from].x < slots[i].x
      ? -1
      : 1;
    drawDesk(frame, desk, { ...slots[i], size: room.size, now: options.now, toward });
    if (desk.bubble && moodOf(desk, options.now) === "talking") {
      drawBubble(frame, desk.bubble, { ...slots[i], size: room.size });
    }
  });
  for (const flight of state.flights) {
    const a = state.desks.findIndex((d) => d.key === flight.from);
    const b = state.desks.findIndex((d) => d.key === flight.to);
    if (a >= 0 && b >= 0) drawArrow(frame, room, flight, [slots[a], slots[b]], options.now);
  }
  if (panel > 0) drawPanel(frame, state, room.height, options.now);
  const feedRows = frame.height - room.height - panel - CHROME_ROWS;
  drawFeed(frame, state.chat, {
    top: room.height + panel,
    rows: feedRows,
    utcOffsetMinutes: options.utcOffsetMinutes ?? 0,
  });
  if (options.operator && state.compose) drawCompose(frame, state.compose, frame.height - 1);
  else drawHint(frame, state, options.interactive ?? true, options.operator ?? false);
  return frame;
}

/** Lamps hang from the top wall this far apart, the first this far in. */
const LAMP_EVERY = 14;
const LAMP_FIRST = 7;

function drawRoom(frame: Frame, room: Layout): void {
  const w = frame.width;
  const wall = { fg: "gray" } as const;
  frame.put(0, 0, "╔" + "═".repeat(w - 2) + "╗", wall);
  for (let x = LAMP_FIRST; x <= w - 1 - LAMP_FIRST; x += LAMP_EVERY) {
    frame.put(0, x, "◉", { fg: "yellow" });
  }
  for (let r = 1; r < room.height - 1; r++) {
    frame.put(r, 0, "║", wall);
    frame.put(r, w - 1, "║", wall);
  }
  frame.put(room.height - 1, 0, "╚" + "═".repeat(w - 2) + "╝", wall);
  for (let row = 0; row < room.rows; row++) {
    const y = 1 + row * room.size.rowHeight + room.size.rows.floor;
    for (let x = 2; x < w - 1; x += 2) frame.put(y, x, x % 4 === 2 ? "·" : "╌", wall);
  }
}

/**
 * An arrow on the floor (`⋅·▶` or `◀·⋅`), its head at the flight's progress from the
 * speaker's desk to the recipient's. Between desks of one row it runs along that row's
 * floor; to another row, along the recipient's floor from the speaker's column (or from
 * beside the recipient when they share a column).
 */
function drawArrow(
  frame: Frame,
  room: Layout,
  flight: Flight,
  [from, to]: { x: number; y: number }[],
  now: number,
): void {
  const { center, slotWidth } = room.size;
  const progress = Math.min(1, Math.max(0, (now - flight.start) / TIMING.flightMs));
  const end = to.x + center;
  let start = from.x + center;
  if (from.y !== to.y && start === end) {
    start = end - slotWidth / 2 > 1 ? end - slotWidth / 2 : end + slotWidth / 2;
  }
  const row = to.y + room.size.rows.floor;
  const head = start + Math.round((end - start) * progress);
  const right = end >= start;
  const arrow = right ? "⋅·▶" : "◀·⋅";
  const x = right ? head - 2 : head;
  // Keep the arrow between the walls.
  const lo = Math.max(1, x);
  frame.put(row, lo, arrow.slice(lo - x, frame.width - 1 - x), { fg: "green", bold: true });
}

function drawHint(
  frame: Frame,
  state: ViewerState,
  interactive: boolean,
  operator: boolean,
): void {
  const watched = state.desks.filter((d) => d.watched);
  const online = watched.filter((d) => d.connection === "online").length;
  const status = `${watched.length} watched · ${online} online`;
  const keys = operator ? "q quit · m message" : "q quit";
  const text = interactive ? `${keys} · ${status}` : status;
  frame.put(frame.height - 1, 0, fit(text, frame.width), { dim: true });
}
