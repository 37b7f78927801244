/**
 * Benchmark 6, the viewer: time to `render()` one frame for 3 desks at 80x24, 16 at 160x40 (the
 * original's desks in two rows) and 30 at 160x50 (a compact office of three rows), and the
 * bytes the terminal shell would write per second while nothing happens (frames at 12 fps on a
 * simulated clock, each diffed against the one before, as `viewer/terminal.ts` does).
 * Baselines, same run: allocating a blank frame of the same size, printed on the same line,
 * and a full redraw every frame.
 *
 * @module
 */

import { diff, Frame, initialState, render, update, type ViewerState } from "../viewer/mod.ts";
import { describeStats, num, say, type Stats, stats } from "./_report.ts";

/** Options of one viewer run. */
export interface ViewerOptions {
  /** Frames timed per scene. */
  frames: number;
  /** Simulated seconds of idle output. */
  idleSeconds: number;
  fps: number;
}

/** Figures for one office size. */
export interface SceneResult {
  nodes: number;
  width: number;
  height: number;
  idleRender: Stats;
  busyRender: Stats;
  blankFrame: Stats;
  idleBytesPerSecond: number;
  busyBytesPerSecond: number;
  fullRedrawBytesPerSecond: number;
}

const T0 = Date.UTC(2025, 2, 4, 14, 32, 15);
const encoder = new TextEncoder();

/** `n` nodes all online, each having sent one message `ageMs` before `at`. */
function office(n: number, at: number, ageMs: number): ViewerState {
  const names = Array.from({ length: n }, (_, i) => `node-${i + 1}`);
  let state = initialState(names);
  for (const node of names) {
    const peers = names.filter((p) => p !== node);
    state = update(state, { type: "hello", node, role: node, peers, version: "2.1.0" }, at);
  }
  names.forEach((from, i) => {
    const to = names[(i + 1) % n];
    const envelope = {
      message_id: `m${i}`,
      from,
      to,
      message: `status update ${i}: the build is green, moving on to the next task`,
      sent_at: new Date(at - ageMs).toISOString(),
    };
    for (const kind of ["send", "recv"] as const) {
      const node = kind === "send" ? from : to;
      state = update(state, { type: "message", node, kind, envelope }, at - ageMs);
    }
  });
  return state;
}

/** Renders `frames` frames from `start` at `fps`, as the terminal loop does (tick, render). */
function play(state: ViewerState, size: { width: number; height: number }, o: {
  start: number;
  frames: number;
  fps: number;
}) {
  const times: number[] = [];
  let bytes = 0, previous: Frame | undefined, first = 0;
  for (let f = 0; f < o.frames; f++) {
    const now = o.start + Math.round(f * 1000 / o.fps);
    const t0 = performance.now();
    state = update(state, { type: "tick" }, now);
    const frame = render(state, { ...size, now });
    times.push(performance.now() - t0);
    const out = encoder.encode(diff(previous, frame, { color: true })).byteLength;
    if (previous) bytes += out;
    else first = out;
    previous = frame;
  }
  return { times, bytes, first };
}

function scene(nodes: number, width: number, height: number, o: ViewerOptions): SceneResult {
  const size = { width, height };
  const idle = office(nodes, T0, 60_000);
  const idleRun = play(idle, size, { start: T0, frames: o.frames, fps: o.fps });
  const idleOutput = play(idle, size, { start: T0, frames: o.idleSeconds * o.fps + 1, fps: o.fps });
  // Busy: every node sent a message just now; arrows fly and bubbles show for ~3 s.
  const busyFrames = Math.min(o.frames, 3 * o.fps);
  const busy = play(office(nodes, T0, 0), size, { start: T0, frames: busyFrames, fps: o.fps });
  const blank: number[] = [];
  for (let f = 0; f < o.frames; f++) {
    const t0 = performance.now();
    new Frame(width, height);
    blank.push(performance.now() - t0);
  }
  return {
    nodes,
    width,
    height,
    idleRender: stats(idleRun.times),
    busyRender: stats(busy.times),
    blankFrame: stats(blank),
    idleBytesPerSecond: idleOutput.bytes / o.idleSeconds,
    busyBytesPerSecond: busy.bytes / ((busyFrames - 1) / o.fps),
    fullRedrawBytesPerSecond: idleOutput.first * o.fps,
  };
}

/** The office sizes measured: desks, columns, rows. */
export const SCENES: readonly [number, number, number][] = [[3, 80, 24], [16, 160, 40], [
  30,
  160,
  50,
]];

/** Runs benchmark 6 (pure, in this process) and prints its summary lines. */
export function viewer(runtime: string, o: ViewerOptions): SceneResult[] {
  const results = SCENES.map(([nodes, width, height]) => scene(nodes, width, height, o));
  for (const r of results) {
    const scope = `viewer/${runtime}`;
    const label = `${r.nodes} desks ${r.width}x${r.height}`;
    const blank = `(blank frame p50 ${num(r.blankFrame.p50)} ms)`;
    say(scope, `${label} idle`, `${describeStats(r.idleRender)} ${blank}`);
    say(scope, `${label} busy`, `${describeStats(r.busyRender)} ${blank}`);
    say(
      scope,
      `${label} output`,
      `idle ${num(r.idleBytesPerSecond, 0)} B/s, busy ${num(r.busyBytesPerSecond, 0)} B/s ` +
        `at ${o.fps} fps (full redraw: ${num(r.fullRedrawBytesPerSecond, 0)} B/s)`,
    );
  }
  return results;
}
