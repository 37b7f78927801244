/**
 * Builders shared by the viewer's tests: envelopes, events and states at fixed times.
 *
 * @module
 */

import type { Envelope } from "../src/core/envelope.ts";
import { initialState, update, type ViewerEvent, type ViewerState } from "./model/state.ts";

/** 2025-03-04 14:32:15 UTC, the tests' "now". */
export const T0 = Date.UTC(2025, 2, 4, 14, 32, 15);

/** An envelope sent at `at` (ms). */
export function envelope(
  id: string,
  from: string,
  to: string,
  message: string,
  at = T0,
): Envelope {
  return { message_id: id, from, to, message, sent_at: new Date(at).toISOString() };
}

/** A `send` seen on the sender's node. */
export function sent(e: Envelope): ViewerEvent {
  return { type: "message", node: e.from, kind: "send", envelope: e };
}

/** A `recv` seen on the receiver's node. */
export function received(e: Envelope): ViewerEvent {
  return { type: "message", node: e.to, kind: "recv", envelope: e };
}

/** A hello from `node`, listing the other names as its peers. */
export function hello(node: string, all: readonly string[]): ViewerEvent {
  return {
    type: "hello",
    node,
    role: node,
    peers: all.filter((n) => n !== node),
    version: "2.1.0",
  };
}

/** Watched nodes, all online (hello received) at `at`. */
export function online(names: readonly string[], at = T0): ViewerState {
  return apply(initialState(names), names.map((n) => hello(n, names)), at);
}

/** Applies events in order, all at `at`. */
export function apply(state: ViewerState, events: readonly ViewerEvent[], at = T0): ViewerState {
  return events.reduce((s, e) => update(s, e, at), state);
}
