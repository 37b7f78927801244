/**
 * The viewer's shell after its sources are set up: folding events into the state, the
 * operator's keys and actions, and running the live screen, the web page or one frame.
 *
 * @module
 */

import process from "node:process";
import { actionRunner } from "./keys.ts";
import { actionsOver, type OperatorSend } from "./operator.ts";
import { colorWanted } from "./view/ansi.ts";
import { preferredHeight, render } from "./view/scene.ts";
import { update, type ViewerEvent, type ViewerState } from "./model/state.ts";
import { runTerminal } from "./terminal.ts";
import type { OperatorActions } from "./web/actions.ts";
import { type LiveView, runWeb } from "./web/run.ts";

/** How long `--once` waits for every node to answer, ms. */
const ONCE_WAIT_MS = 1500;

/** Writes `text` and waits until it is out. */
export function write(
  stream: { write(text: string, done: () => void): unknown },
  text: string,
): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

/** Options for {@linkcode viewerMain}. */
export interface ViewerMainOptions {
  /** Ends the live screen from outside. */
  signal?: AbortSignal;
  /** Receives a function that adds a note line to the feed. */
  notes?: (note: (text: string) => void) => void;
  /** Receives a function that folds any event into the state, as if a source reported it. */
  inject?: (push: (event: ViewerEvent) => void) => void;
  /** `--web`: signed operator actions for the page's Allow/Deny and composer. */
  operator?: OperatorActions;
  /** `--web`: told the URL to open (token included) once the page is served. */
  onWebListening?: (url: string) => void;
}

/** Events from the sources and the host, folded into the state at the time they arrive. */
export function fold(view: LiveView): (event: ViewerEvent) => void {
  return (event) => {
    view.state = update(view.state, event, Date.now());
    view.changed?.();
  };
}

/** Hands the host a note function and an event function, if it asked for them. */
export function offerNotes(view: LiveView, options: ViewerMainOptions): void {
  let count = 0;
  options.notes?.((text) => fold(view)({ type: "note", id: `note-${++count}`, text }));
  options.inject?.(fold(view));
}

/**
 * The operator's part of a viewer holding a key: the terminal's keys and the page's actions,
 * both sending through `send`; `recipients` lists the nodes "all" means, now.
 */
export function operatorParts(
  view: LiveView,
  send: OperatorSend | undefined,
  recipients: () => string[],
): { onKey: (key: string) => "quit" | void; actions?: OperatorActions } {
  let noteCount = 0;
  const onKey = actionRunner({
    state: () => view.state,
    fold: fold(view),
    note: (text) => fold(view)({ type: "note", id: `operator-${++noteCount}`, text }),
    send,
    recipients,
  });
  return { onKey, actions: send && actionsOver(send, recipients) };
}

/** `--web` and its `--host`, `--port`; `addresses` of the watched nodes when known. */
export interface WebFlags {
  host?: string;
  port: number;
  addresses?: Record<string, string>;
}

/** How `show` runs: the flags, and the operator's keys and panel when there is a key. */
export interface ShowOptions {
  once?: boolean;
  noColor?: boolean;
  fps: number;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  web?: WebFlags;
  options: ViewerMainOptions;
  onKey?: (key: string) => "quit" | void;
  operatorPanel?: boolean;
}

/**
 * Runs the live screen, the web page (`--web`) or prints one frame (`--once`) until quit,
 * then stops the sources.
 *
 * @returns the exit code.
 */
export async function show(
  view: LiveView,
  sources: Promise<void>[],
  stop: AbortController,
  o: ShowOptions,
): Promise<number> {
  const values = { once: o.once, "no-color": o.noColor };
  const { fps, env, signal } = o;
  const utcOffsetMinutes = -new Date().getTimezoneOffset();
  try {
    if (values.once) return await once(() => view.state, utcOffsetMinutes);
    if (o.web) {
      return await runWeb(view, {
        ...o.web,
        signal,
        operator: o.options.operator,
        onListening: o.options.onWebListening,
        log: (line) => write(process.stderr, line + "\n"),
        print: (line) => write(process.stdout, line + "\n"),
      });
    }
    if (!process.stdout.isTTY) {
      await write(process.stderr, "viewer: stdout is not a terminal; use --once for one frame\n");
      return 2;
    }
    await runTerminal({
      stdout: process.stdout,
      stdin: process.stdin,
      fps,
      signal,
      onKey: o.onKey,
      color: colorWanted(env, values["no-color"] ?? false),
      draw: (size, now) => {
        view.state = update(view.state, { type: "tick" }, now);
        return render(view.state, { ...size, now, utcOffsetMinutes, operator: o.operatorPanel });
      },
    });
    return 0;
  } catch (e) {
    await write(process.stderr, `viewer: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    stop.abort();
    await Promise.all(sources);
  }
}

// Waits until every watched node answered (or ONCE_WAIT_MS), then prints one plain frame.
async function once(current: () => ViewerState, utcOffsetMinutes: number): Promise<number> {
  const started = Date.now();
  const settled = () =>
    current().desks.every((d) => !d.watched || (d.connection && d.connection !== "connecting"));
  while (!settled() && Date.now() - started < ONCE_WAIT_MS) {
    await new Promise((r) => setTimeout(r, 50));
  }
  // Replayed history follows the hello closely: give it a moment.
  await new Promise((r) => setTimeout(r, 150));
  const state = current();
  const width = process.stdout.isTTY ? process.stdout.columns ?? 80 : 80;
  const now = Date.now();
  const frame = render(update(state, { type: "tick" }, now), {
    width,
    height: preferredHeight(state, width),
    now,
    utcOffsetMinutes,
    interactive: false,
  });
  await write(process.stdout, frame.toText() + "\n");
  for (const d of state.desks) {
    if (d.watched && d.connection !== "online") {
      await write(process.stderr, `viewer: ${d.key}: ${d.error ?? d.connection}\n`);
    }
  }
  return state.desks.some((d) => d.connection === "online") ? 0 : 1;
}
