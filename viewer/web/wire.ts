/**
 * What the web page is told over its one SSE stream: a `snapshot` when it connects, then only
 * what changed between two {@linkcode ViewerState}s (the state is never mutated, so a changed
 * part is a new object). Every message carries the viewer's clock (`now`, ms) so the page can
 * time moods and arrows like the terminal does.
 *
 * Events: `snapshot` {now, timing, operator, desks, chat, prompts, flights}; `desks` {now,
 * desks}; `lines` {now, lines} (new or changed chat lines, by id); `prompts` {now, prompts};
 * `flights` {now, flights}. Desks carry `address` when the viewer knows it.
 *
 * @module
 */

import { CHAT_LIMIT, type Desk, TIMING, type ViewerState } from "../model/state.ts";

/** One SSE message for the page. */
export interface WireMessage {
  /** The SSE event name. */
  event: "snapshot" | "desks" | "lines" | "prompts" | "flights";
  /** Its JSON data. */
  data: Record<string, unknown>;
}

/** Facts about the viewer itself, for the snapshot. */
export interface WireInfo {
  /** The address watched for each desk key, e.g. `http://127.0.0.1:8788`. */
  addresses?: Readonly<Record<string, string>>;
  /** Whether Allow/Deny and the composer work (an operator key is configured). */
  operator: boolean;
}

function desks(state: ViewerState, info: WireInfo): (Desk & { address?: string })[] {
  return state.desks.map((d) => {
    const address = info.addresses?.[d.key];
    return address === undefined ? d : { ...d, address };
  });
}

/**
 * The first message of a stream: everything the page shows.
 *
 * @param now the viewer's clock, ms.
 */
export function snapshot(state: ViewerState, info: WireInfo, now: number): WireMessage {
  return {
    event: "snapshot",
    data: {
      now,
      timing: TIMING,
      chatLimit: CHAT_LIMIT,
      operator: info.operator,
      desks: desks(state, info),
      chat: state.chat,
      prompts: state.prompts ?? [],
      flights: state.flights,
    },
  };
}

/**
 * The messages that bring a page showing `before` to `after`; none when nothing it shows
 * changed. Flights are sent only when one was added (the page drops landed ones itself).
 *
 * @example
 * ```ts
 * import { initialState, update } from "../model/state.ts";
 * const before = initialState(["backend"], 0);
 * const after = update(before, { type: "connection", node: "backend", status: "offline" }, 1);
 * const messages = changes(before, after, { operator: false }, 1); // one `desks` message
 * ```
 */
export function changes(
  before: ViewerState,
  after: ViewerState,
  info: WireInfo,
  now: number,
): WireMessage[] {
  const out: WireMessage[] = [];
  if (before.desks !== after.desks) {
    out.push({ event: "desks", data: { now, desks: desks(after, info) } });
  }
  if (before.chat !== after.chat) {
    const old = new Set(before.chat);
    const lines = after.chat.filter((l) => !old.has(l));
    if (lines.length) out.push({ event: "lines", data: { now, lines } });
  }
  if (before.prompts !== after.prompts) {
    out.push({ event: "prompts", data: { now, prompts: after.prompts ?? [] } });
  }
  const flown = new Set(before.flights);
  if (after.flights.some((f) => !flown.has(f))) {
    out.push({ event: "flights", data: { now, flights: after.flights } });
  }
  return out;
}

/** One message in SSE wire format (`event:` and one `data:` line; JSON has no newlines). */
export function sseText(message: WireMessage): string {
  return `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}
