import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { ENTER_SCREEN, LEAVE_SCREEN } from "./view/ansi.ts";
import { Frame } from "./view/frame.ts";
import { runTerminal, splitKeys } from "./terminal.ts";

class FakeScreen extends EventEmitter {
  columns = 20;
  rows = 3;
  out = "";
  write(text: string): boolean {
    this.out += text;
    return true;
  }
}

class FakeKeys extends EventEmitter {
  isTTY = true;
  raw: boolean[] = [];
  setRawMode(mode: boolean) {
    this.raw.push(mode);
  }
  resume() {}
  pause() {}
}

function frameSaying(text: string, size: { width: number; height: number }): Frame {
  const f = new Frame(size.width, size.height);
  f.put(0, 0, text);
  return f;
}

test("runTerminal draws, quits on q and restores the terminal", async () => {
  const stdout = new FakeScreen();
  const stdin = new FakeKeys();
  const running = runTerminal({
    stdout,
    stdin,
    fps: 50,
    color: false,
    draw: (size) => frameSaying("hello", size),
  });
  stdin.emit("data", new TextEncoder().encode("q"));
  await running;
  assert.ok(stdout.out.startsWith(ENTER_SCREEN));
  assert.ok(stdout.out.endsWith(LEAVE_SCREEN));
  assert.ok(stdout.out.includes("hello"));
  assert.deepEqual(stdin.raw, [true, false]);
  assert.equal(stdin.listenerCount("data"), 0);
  assert.equal(stdout.listenerCount("resize"), 0);
});

test("runTerminal writes only changes, and redraws everything after a resize", async () => {
  const stdout = new FakeScreen();
  const stdin = new FakeKeys();
  let text = "one";
  let frames = 0;
  // Frames are drawn by hand: `tick` is the frame timer, at the 17 ms that 60 fps asks for.
  let tick = () => {};
  const intervals: number[] = [];
  let stopped = false;
  const running = runTerminal({
    stdout,
    stdin,
    fps: 60,
    color: false,
    draw: (size) => (frames++, frameSaying(text, size)),
    every: (frame, ms) => {
      tick = frame;
      intervals.push(ms);
      return () => stopped = true;
    },
  });
  assert.deepEqual(intervals, [17]);
  assert.ok(stdout.out.endsWith("\x1b[1;1Hone"), JSON.stringify(stdout.out));
  const afterFirst = stdout.out.length;
  tick(); // same frame: nothing written
  assert.equal(stdout.out.length, afterFirst);
  text = "two";
  tick();
  assert.ok(stdout.out.endsWith("\x1b[1;1Htwo"));
  stdout.columns = 10;
  stdout.emit("resize");
  assert.ok(stdout.out.endsWith("\x1b[H\x1b[2J\x1b[1;1Htwo"));
  stdin.emit("data", "\x03");
  await running;
  assert.equal(frames, 4, "the first frame, two ticks and the resize");
  assert.equal(stopped, true, "the frame timer was stopped");
  tick(); // a late tick after quitting draws nothing
  assert.equal(frames, 4);
});

test("runTerminal restores the terminal and rejects when drawing fails", async () => {
  const stdout = new FakeScreen();
  const stdin = new FakeKeys();
  await assert.rejects(
    runTerminal({
      stdout,
      stdin,
      fps: 10,
      color: false,
      draw: () => {
        throw new Error("boom");
      },
    }),
    /boom/,
  );
  assert.ok(stdout.out.endsWith(LEAVE_SCREEN));
  assert.deepEqual(stdin.raw, [true, false]);
});

test("runTerminal stops when its signal aborts", async () => {
  const stop = new AbortController();
  const stdout = new FakeScreen();
  const running = runTerminal({
    stdout,
    stdin: new FakeKeys(),
    fps: 10,
    color: false,
    signal: stop.signal,
    draw: (size) => frameSaying("x", size),
  });
  stop.abort();
  await running;
  assert.ok(stdout.out.endsWith(LEAVE_SCREEN));
});

test("splitKeys names arrows, Enter, Backspace, Esc and Ctrl-C and keeps printable keys", () => {
  assert.deepEqual(splitKeys("y\x1b[A\x1b[Bq\r\x7f\x1b\x03é\x01"), [
    "y",
    "up",
    "down",
    "q",
    "enter",
    "backspace",
    "escape",
    "ctrl-c",
    "é",
  ]);
});
