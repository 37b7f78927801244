/**
 * The viewer's state and its one way of changing: {@linkcode update}`(state, event, now)`, pure.
 * Events come from every watched node's `/events` stream (hello, send, recv, reset), from the
 * sources' connection changes, and from the frame timer (tick).
 *
 * Times are milliseconds since the epoch, always passed in, so tests are exact.
 *
 * @module
 */

import type { Envelope } from "../../src/core/envelope.ts";
import { type DeliveryEvent, type DeliveryMark, markLine } from "./delivery.ts";
import {
  addPrompt,
  compose,
  type ComposeEdit,
  expirePrompts,
  markWaiting,
  moveSelection,
  type OperatorFields,
  type PendingPrompt,
  type PromptEvent,
  promptKey,
  type PromptRequest,
  removePrompt,
  replacePrompts,
} from "./prompts.ts";

/**
 * The state of the connection to a watched node; `not-started`: a node of this machine that
 * the local registry does not list (yet).
 */
export type Connection = "connecting" | "online" | "offline" | "auth-failed" | "not-started";

/** What a desk's avatar shows. */
export type Mood =
  | "idle"
  | "talking"
  | "listening"
  | "connecting"
  | "offline"
  | "waiting"
  | "not-started";

/** One desk in the office: a watched node, or a peer a watched node said it has. */
export interface Desk {
  /** The name given on the command line, or the peer's role for a desk learned from hello. */
  key: string;
  /** The node's role as its hello said; equal to `key` until then. */
  role: string;
  /** Whether the viewer subscribes to this node itself. */
  watched: boolean;
  /** Connection state; `undefined` for desks that are not watched. */
  connection?: Connection;
  /** Why the node is offline, one line. */
  error?: string;
  /** Version from the node's hello. */
  version?: string;
  /** When it last started talking (sent), ms. */
  talkedAt?: number;
  /** When it last started listening (a message reached it), ms; may be in the future. */
  heardAt?: number;
  /** The last message it sent, for the speech bubble. */
  bubble?: string;
  /** Key of the desk it last heard from, to turn toward; `undefined` for outsiders. */
  heardFrom?: string;
  /** What its session said it is working on (`set_status`), untrusted text. */
  status?: string;
  /** The round trip of the viewer's last connection to it, in milliseconds. */
  latencyMs?: number;
  /** Whether its session waits on a permission prompt (one is pending). */
  waiting?: boolean;
}

/** One logical message in the chat feed, however many nodes reported it. */
export interface ChatLine {
  /** The message id (one line per id, however many nodes saw it). */
  id: string;
  /** The sender's `sent_at`, ms (the time of arrival when unparseable). */
  at: number;
  /** The sender; `""` for a note. */
  from: string;
  /** Recipients in the order they were seen; several for a broadcast; none for a note. */
  to: readonly string[];
  /** The text, untrusted. */
  text: string;
  /** A line from the viewer's host rather than a message (the demo's "script restarts"). */
  note?: boolean;
  /** The `message_id` this one answers. */
  replyTo?: string;
  /** Its state per recipient from the sender's side, once the sender's node told. */
  delivery?: readonly DeliveryMark[];
}

/** An arrow on the floor, from one desk to another. */
export interface Flight {
  /** The message id. */
  id: string;
  /** The sender's desk. */
  from: string;
  /** The recipient's desk. */
  to: string;
  /** When it left, ms. */
  start: number;
}

/** Everything the scene needs. Never mutated: {@linkcode update} returns a new one. */
export interface ViewerState extends OperatorFields {
  /** One desk per watched node, in the order given. */
  readonly desks: readonly Desk[];
  /** Oldest first, ordered by `at` (ties in order of arrival). */
  readonly chat: readonly ChatLine[];
  /** Arrows still on the floor. */
  readonly flights: readonly Flight[];
  /**
   * When the viewer started, ms. Messages sent before it are history: they fill the feed but
   * make nobody talk or listen. `undefined`: every recent message animates. Compared with the
   * sender's `sent_at`, so a sender whose clock runs behind ours by d seconds is not animated
   * during the viewer's first d seconds.
   */
  readonly since?: number;
  /** Permission prompts waiting for an answer, oldest first; `undefined` when none came. */
  readonly prompts?: readonly PendingPrompt[];
}

/** An input to {@linkcode update}. `node` is the key of the watched node that reported it. */
export type ViewerEvent =
  | { type: "connection"; node: string; status: Connection; error?: string }
  | {
    type: "hello";
    node: string;
    role: string;
    peers: readonly string[];
    version?: string;
    /** The session's status line when the stream opened. */
    status?: string;
    /** Milliseconds from the viewer's request to this hello (a connection's round trip). */
    latencyMs?: number;
    /** The permission prompts pending when the stream opened (nodes with an operator key). */
    prompts?: readonly PromptRequest[];
  }
  | { type: "message"; node: string; kind: "send" | "recv"; envelope: Envelope }
  | { type: "status"; node: string; text: string }
  | DeliveryEvent
  | PromptEvent
  | { type: "note"; id: string; text: string }
  /** More nodes to watch (a session of this machine started): a desk each, connecting. */
  | { type: "watch"; nodes: readonly string[] }
  | { type: "select"; delta: -1 | 1 }
  | { type: "compose"; edit: ComposeEdit }
  | { type: "tick" };

/** Durations of the animations, ms. */
export const TIMING = {
  /** An arrow's trip along the floor. */
  flightMs: 1500,
  /** How long a sender talks (and its bubble stays). */
  talkMs: 3000,
  /** How long a recipient listens once the arrow arrived. */
  listenMs: 3000,
  /** Messages older than this (say, replayed after a reconnect) join the feed unanimated. */
  animateWindowMs: 30_000,
} as const;

/** Most chat lines kept; older ones are dropped (and no longer deduplicated). */
export const CHAT_LIMIT = 200;

/**
 * The state before any event: one desk per watched node, all connecting.
 *
 * @param nodes names of the watched nodes, in display order.
 * @param since when the viewer started, ms: messages sent before it only fill the feed.
 * @example
 * ```ts
 * const state = initialState(["backend", "frontend"], Date.now());
 * ```
 */
export function initialState(nodes: readonly string[], since?: number): ViewerState {
  return {
    desks: nodes.map((key) => ({ key, role: key, watched: true, connection: "connecting" })),
    chat: [],
    flights: [],
    ...(since === undefined ? {} : { since }),
  };
}

/** The desk of a role or name: by role first, then by key. */
export function findDesk(state: ViewerState, name: string): Desk | undefined {
  return state.desks.find((d) => d.role === name) ?? state.desks.find((d) => d.key === name);
}

/**
 * A desk's mood at `now`: the connection first (connecting, offline), then the most recent
 * of talking and listening while they last, else idle.
 */
export function moodOf(desk: Desk, now: number): Mood {
  if (desk.connection === "connecting") return "connecting";
  if (desk.connection === "not-started") return "not-started";
  if (desk.connection === "offline" || desk.connection === "auth-failed") return "offline";
  // Blocked on a prompt matters more than who spoke last.
  if (desk.waiting) return "waiting";
  const talking = desk.talkedAt !== undefined && now >= desk.talkedAt &&
    now - desk.talkedAt < TIMING.talkMs;
  const listening = desk.heardAt !== undefined && now >= desk.heardAt &&
    now - desk.heardAt < TIMING.listenMs;
  if (talking && listening) return desk.talkedAt! >= desk.heardAt! ? "talking" : "listening";
  return talking ? "talking" : listening ? "listening" : "idle";
}

/**
 * The state after `event` happened at `now` (ms). Pure; returns `state` itself when the
 * event changes nothing.
 *
 * A message seen as `send` on its sender and as `recv` on its receiver is one chat line, and
 * a broadcast (one `send` per recipient, same `message_id`) is one line naming them all.
 */
export function update(state: ViewerState, event: ViewerEvent, now: number): ViewerState {
  switch (event.type) {
    case "tick": {
      const flights = state.flights.filter((f) => now - f.start < TIMING.flightMs);
      const prompts = state.prompts && expirePrompts(state.prompts, now);
      if (flights.length === state.flights.length && prompts === state.prompts) return state;
      return markWaiting({ ...state, flights, ...(prompts ? { prompts } : {}) });
    }
    case "connection":
      return withDesk(state, event.node, (d) => ({
        ...d,
        connection: event.status,
        error: event.status === "auth-failed" ? event.error ?? "auth failed" : event.error,
      }));
    case "hello": {
      const next = hello(state, event);
      if (!event.prompts) return next;
      // What the node has pending now replaces what was heard before this (re)connection.
      const prompts = replacePrompts(next.prompts ?? [], event.node, event.prompts, now);
      return markWaiting({ ...next, prompts });
    }
    case "message":
      return message(state, event.envelope, now);
    case "note":
      return note(state, event, now);
    case "status":
      return withDesk(state, event.node, (d) => ({ ...d, status: event.text || undefined }));
    case "outcome":
      return outcome(state, event, now);
    case "delivery_report":
      return mark(state, event.messageId, {
        peer: event.peer,
        state: event.outcome,
        ...(event.reason ? { reason: event.reason } : {}),
        at: now,
      });
    case "permission_request": {
      const { type: _, ...fields } = event;
      const requestId = fields.requestId.toLowerCase();
      const prompt: PendingPrompt = { ...fields, requestId, seenAt: now };
      // The newest prompt is selected: it is what blocks someone now.
      const prompts = addPrompt(state.prompts ?? [], prompt);
      return markWaiting({ ...state, prompts, selected: promptKey(prompt) });
    }
    case "permission_verdict":
    case "permission_expired": {
      if (!state.prompts) return state;
      const prompts = removePrompt(state.prompts, event.node, event.requestId);
      return prompts === state.prompts ? state : markWaiting({ ...state, prompts });
    }
    case "watch":
      return watch(state, event.nodes);
    case "select":
      return moveSelection(state, event.delta);
    case "compose":
      return compose(state, event.edit);
  }
}

// A send's outcome: a message that was not delivered has no `send` event, so its line starts
// here (unanimated: it did not fly); then the recipient's mark.
function outcome(
  state: ViewerState,
  event: Extract<ViewerEvent, { type: "outcome" }>,
  now: number,
): ViewerState {
  const e = event.envelope;
  const line = state.chat.find((l) => l.id === e.message_id);
  let next = state;
  if (event.status === "delivered") {
    if (!line?.to.includes(e.to)) next = message(state, e, now);
  } else if (!line) {
    next = { ...state, chat: insert(state.chat, lineOf(e, now)) };
  } else if (!line.to.includes(e.to)) {
    next = {
      ...state,
      chat: state.chat.map((l) => l === line ? { ...l, to: [...l.to, e.to] } : l),
    };
  }
  return mark(next, e.message_id, {
    peer: event.peer,
    state: event.status,
    ...(event.reason ? { reason: event.reason } : {}),
    at: now,
  });
}

// Records one recipient's delivery state on the line of `id`, if the feed still has it.
function mark(state: ViewerState, id: string, m: DeliveryMark): ViewerState {
  const chat = markLine(state.chat, id, m);
  return chat === state.chat ? state : { ...state, chat };
}

function lineOf(e: Envelope, now: number): ChatLine {
  const parsed = Date.parse(e.sent_at);
  return {
    id: e.message_id,
    at: Number.isNaN(parsed) ? now : parsed,
    from: e.from,
    to: [e.to],
    text: e.message,
    ...(e.reply_to ? { replyTo: e.reply_to } : {}),
  };
}

function withDesk(state: ViewerState, key: string, change: (d: Desk) => Desk): ViewerState {
  if (!state.desks.some((d) => d.key === key)) return state;
  return { ...state, desks: state.desks.map((d) => d.key === key ? change(d) : d) };
}

function hello(state: ViewerState, event: Extract<ViewerEvent, { type: "hello" }>): ViewerState {
  // A peer desk learned earlier under this role is the same node: the watched desk replaces it.
  let desks = state.desks
    .filter((d) => d.watched || d.key !== event.role)
    .map((d): Desk =>
      d.key === event.node
        ? {
          ...d,
          role: event.role,
          version: event.version,
          connection: "online",
          error: undefined,
          status: event.status,
          latencyMs: event.latencyMs ?? d.latencyMs,
        }
        : d
    );
  for (const peer of event.peers) {
    if (!desks.some((d) => d.role === peer || d.key === peer)) {
      desks = [...desks, { key: peer, role: peer, watched: false }];
    }
  }
  return { ...state, desks };
}

// A peer desk learned from a hello under the same name becomes the watched desk.
function watch(state: ViewerState, nodes: readonly string[]): ViewerState {
  const fresh = nodes.filter((n) => !state.desks.some((d) => d.key === n && d.watched));
  if (fresh.length === 0) return state;
  const desks: Desk[] = state.desks.map((d) =>
    fresh.includes(d.key) ? { ...d, watched: true, connection: "connecting" } : d
  );
  for (const key of fresh) {
    if (!desks.some((d) => d.key === key)) {
      desks.push({ key, role: key, watched: true, connection: "connecting" });
    }
  }
  return { ...state, desks };
}

function note(
  state: ViewerState,
  event: Extract<ViewerEvent, { type: "note" }>,
  now: number,
): ViewerState {
  if (state.chat.some((l) => l.id === event.id)) return state;
  const line: ChatLine = { id: event.id, at: now, from: "", to: [], text: event.text, note: true };
  return { ...state, chat: insert(state.chat, line) };
}

// Adds `line` in order of `at` (after equal times), keeping the newest CHAT_LIMIT lines.
function insert(chat: readonly ChatLine[], line: ChatLine): ChatLine[] {
  const index = chat.findIndex((l) => l.at > line.at);
  const next = index < 0 ? [...chat, line] : [...chat.slice(0, index), line, ...chat.slice(index)];
  return next.length > CHAT_LIMIT ? next.slice(next.length - CHAT_LIMIT) : next;
}

function message(state: ViewerState, e: Envelope, now: number): ViewerState {
  const parsed = Date.parse(e.sent_at);
  const at = Number.isNaN(parsed) ? now : parsed;
  const existing = state.chat.find((l) => l.id === e.message_id);
  if (existing?.to.includes(e.to)) return state;
  let chat: ChatLine[];
  if (existing) {
    chat = state.chat.map((l) => l === existing ? { ...l, to: [...l.to, e.to] } : l);
  } else {
    chat = insert(state.chat, lineOf(e, now));
  }
  const next: ViewerState = { ...state, chat };
  // History (sent before the viewer started, or replayed long after) only fills the feed.
  if (now - at > TIMING.animateWindowMs || (state.since !== undefined && at < state.since)) {
    return next;
  }
  return animate(next, e, now);
}

// A new leg of a message: the sender talks, an arrow leaves, the recipient listens on arrival.
function animate(state: ViewerState, e: Envelope, now: number): ViewerState {
  const sender = findDesk(state, e.from);
  const recipient = findDesk(state, e.to);
  const flies = sender !== undefined && recipient !== undefined && sender !== recipient;
  const heardAt = flies ? now + TIMING.flightMs : now;
  const desks = state.desks.map((d): Desk => {
    if (d === sender) {
      // A reply sent before our arrow reached it: the message had arrived; talking wins.
      const heard = d.heardAt !== undefined && d.heardAt > now ? now : d.heardAt;
      return { ...d, talkedAt: now, bubble: e.message, heardAt: heard };
    }
    if (d === recipient) return { ...d, heardAt, heardFrom: flies ? sender.key : undefined };
    return d;
  });
  const flights = flies
    ? [...state.flights, { id: e.message_id, from: sender.key, to: recipient.key, start: now }]
    : state.flights;
  return { ...state, desks, flights };
}
