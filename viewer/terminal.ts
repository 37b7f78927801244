/**
 * The terminal shell, the only part of the viewer that touches the terminal: alternate screen,
 * hidden cursor, raw keys (`q`, Ctrl-C), redraw on resize, a frame timer, and writing only what
 * changed since the last frame. It always restores the terminal, on quit and on error.
 *
 * @module
 */

import process from "node:process";
import { ENTER_SCREEN, LEAVE_SCREEN } from "./view/ansi.ts";
import { diff, type Frame } from "./view/frame.ts";

/** The output side: a TTY write stream, or anything shaped like one (tests). */
export interface ScreenStream {
  columns?: number;
  rows?: number;
  write(text: string): boolean;
  on(event: "resize" | "drain", listener: () => void): unknown;
  off(event: "resize" | "drain", listener: () => void): unknown;
}

/** The input side: a TTY read stream, or anything shaped like one (tests). */
export interface KeyStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  off(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Options for {@linkcode runTerminal}. */
export interface TerminalOptions {
  stdout: ScreenStream;
  stdin: KeyStream;
  /** Frames per second, 1 to 60. */
  fps: number;
  /** Emit colours (false under NO_COLOR / --no-color). */
  color: boolean;
  /** Draws one frame of the given size at `now` (ms); called once per frame. */
  draw: (size: { width: number; height: number }, now: number) => Frame;
  /** Ends the loop from outside. */
  signal?: AbortSignal;
  /** Clock, ms; `Date.now` by default. */
  now?: () => number;
  /**
   * Calls `tick` every `ms` milliseconds until the returned function is called: the frame
   * timer. `setInterval` by default; tests pass their own to draw frames by hand.
   */
  every?: (tick: () => void, ms: number) => () => void;
  /**
   * Takes each key ({@linkcode splitKeys}) except Ctrl-C, which always quits; returns `quit`
   * to end the screen. Without it, `q` quits and other keys are ignored.
   */
  onKey?: (key: string) => "quit" | void;
}

/** Names of the special keys {@linkcode splitKeys} reports. */
const SPECIAL: Record<string, string> = {
  "\x1b[A": "up",
  "\x1b[B": "down",
  "\x1b[C": "right",
  "\x1b[D": "left",
  "\x1bOA": "up",
  "\x1bOB": "down",
  "\x1bOC": "right",
  "\x1bOD": "left",
  "\r": "enter",
  "\n": "enter",
  "\x7f": "backspace",
  "\b": "backspace",
  "\x1b": "escape",
  "\x03": "ctrl-c",
};

/**
 * A chunk of raw terminal input as keys: `up`, `down`, `left`, `right`, `enter`,
 * `backspace`, `escape`, `ctrl-c`, or one printable character. Other escape sequences and
 * control characters are dropped.
 */
export function splitKeys(text: string): string[] {
  const keys: string[] = [];
  // deno-lint-ignore no-control-regex
  const token = /\x1b\[[0-9;]*[A-Za-z~]|\x1bO[A-Za-z]|[\s\S]/gu;
  for (const [t] of text.matchAll(token)) {
    if (SPECIAL[t]) keys.push(SPECIAL[t]);
    // deno-lint-ignore no-control-regex
    else if (!/^[\x00-\x1f\x7f]/.test(t)) keys.push(t);
  }
  return keys;
}

const everyInterval = (tick: () => void, ms: number) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

/**
 * Runs the screen until `q`, Ctrl-C, SIGINT/SIGTERM or `options.signal`, then restores the
 * terminal. Resolves normally on a quit; rejects with the error when `draw` threw, after the
 * terminal was restored.
 */
export function runTerminal(options: TerminalOptions): Promise<void> {
  const { stdout, stdin } = options;
  const now = options.now ?? Date.now;
  return new Promise<void>((resolve, reject) => {
    let previous: Frame | undefined;
    let waitingForDrain = false;
    let finished = false;
    const frame = () => {
      if (finished || waitingForDrain) return;
      try {
        const size = { width: stdout.columns ?? 80, height: stdout.rows ?? 24 };
        const next = options.draw(size, now());
        const out = diff(previous, next, { color: options.color });
        previous = next;
        if (out !== "" && !stdout.write(out)) waitingForDrain = true;
      } catch (e) {
        finish(e);
      }
    };
    const onDrain = () => {
      waitingForDrain = false;
    };
    const onResize = () => {
      previous = undefined; // the terminal may have reflowed: clear and draw it all
      frame();
    };
    const onKey = (chunk: Uint8Array | string) => {
      const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      if (!options.onKey) {
        if (text.includes("q") || text.includes("Q") || text.includes("\x03")) finish();
        return;
      }
      for (const key of splitKeys(text)) {
        if (key === "ctrl-c" || options.onKey(key) === "quit") return finish();
      }
      frame(); // show what the key changed now, not at the next tick
    };
    const onSignal = () => finish();
    // Last resort if the process exits some other way: never leave the terminal raw and hidden.
    const onExit = () => restore();
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      try {
        if (stdin.isTTY) stdin.setRawMode?.(false);
      } catch { /* stdin already gone */ }
      stdout.write(LEAVE_SCREEN);
    };
    const stopTimer = (options.every ?? everyInterval)(
      frame,
      Math.round(1000 / Math.min(60, Math.max(1, options.fps))),
    );
    function finish(error?: unknown) {
      if (finished) return;
      finished = true;
      stopTimer();
      stdout.off("resize", onResize);
      stdout.off("drain", onDrain);
      stdin.off("data", onKey);
      stdin.pause();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("exit", onExit);
      options.signal?.removeEventListener("abort", onSignal);
      restore();
      if (error === undefined) resolve();
      else reject(error);
    }
    try {
      stdout.write(ENTER_SCREEN);
      if (stdin.isTTY) stdin.setRawMode?.(true);
      stdin.on("data", onKey);
      stdin.resume();
      stdout.on("resize", onResize);
      stdout.on("drain", onDrain);
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      process.on("exit", onExit);
      options.signal?.addEventListener("abort", onSignal, { once: true });
      if (options.signal?.aborted) finish();
      else frame();
    } catch (e) {
      finish(e);
    }
  });
}
