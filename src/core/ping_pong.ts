/**
 * Conversation-loop detection: two sessions that answer each other at the speed of a model
 * (every few seconds) never trip a per-minute limit, yet talk for ever at the user's expense.
 * This counts, per peer, the current run of messages that alternate direction (ours, theirs,
 * ours, …) with no pause longer than `maxGapMs`; a run of `maxRun` messages is a loop, and the
 * next message to that peer needs a human to say go on. Pure: time comes in as an argument.
 *
 * Defaults: 20 alternating messages (10 each way) without a pause of 10 minutes. Answering every
 * 2.5 s, two agents reach it in under a minute; people steering a real exchange rarely do.
 *
 * @module
 */

/** Options of {@linkcode PingPong}. */
export interface PingPongOptions {
  /** Alternating messages that make a loop (default 20). */
  maxRun?: number;
  /** A pause this long, in milliseconds, ends a run (default 600 000: 10 minutes). */
  maxGapMs?: number;
  /**
   * Peers remembered at most (default 1 000); the one heard from least recently is forgotten
   * first. `from` is the sender's word: without a bound, a sender that names itself anew in each
   * message would grow the memory for ever.
   */
  maxPeers?: number;
}

/** A detected loop with one peer. */
export interface Loop {
  /** Messages in the run. */
  messages: number;
  /** How long the run has lasted, in milliseconds. */
  durationMs: number;
}

interface Run {
  last: "in" | "out";
  lastAt: number;
  startedAt: number;
  length: number;
}

/** Alternating runs per peer. */
export class PingPong {
  /** Alternating messages that make a loop. */
  readonly maxRun: number;
  /** A pause this long, in milliseconds, ends a run. */
  readonly maxGapMs: number;
  /** Peers remembered at most. */
  readonly maxPeers: number;
  /** Runs in least-recently-recorded order (a Map keeps insertion order). */
  #runs = new Map<string, Run>();

  /** Makes an empty tracker. */
  constructor(options: PingPongOptions = {}) {
    this.maxRun = options.maxRun ?? 20;
    this.maxGapMs = options.maxGapMs ?? 600_000;
    this.maxPeers = options.maxPeers ?? 1_000;
  }

  /** How many peers are remembered now. */
  get size(): number {
    return this.#runs.size;
  }

  /** Records a message to (`out`) or from (`in`) `peer` at `nowMs`. */
  record(peer: string, direction: "in" | "out", nowMs: number): void {
    const runs = this.#runs;
    let run = runs.get(peer);
    if (run && run.last !== direction && nowMs - run.lastAt < this.maxGapMs) {
      run.length++;
      run.last = direction;
      run.lastAt = nowMs;
    } else {
      // Same direction again (one side sent several), a long pause, or a first message.
      run = { last: direction, lastAt: nowMs, startedAt: nowMs, length: 1 };
    }
    runs.delete(peer);
    runs.set(peer, run);
    if (runs.size > this.maxPeers) runs.delete(runs.keys().next().value!);
  }

  /** The loop with `peer` at `nowMs`, if the current run is one. */
  loop(peer: string, nowMs: number): Loop | undefined {
    const run = this.#runs.get(peer);
    if (!run || run.length < this.maxRun || nowMs - run.lastAt >= this.maxGapMs) return undefined;
    return { messages: run.length, durationMs: run.lastAt - run.startedAt };
  }

  /** A human said go on: the run with `peer` starts again from zero. */
  lift(peer: string): void {
    this.#runs.delete(peer);
  }
}
