/**
 * stdin read before its real reader exists: the start-up front end looks at the first
 * newline-delimited lines (to answer `initialize` at once) while every byte is kept, then
 * hands the whole stream over, from its first byte, to the MCP transport that loads later.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { PassThrough, type Readable } from "node:stream";

/**
 * Reads `stdin` from construction on. Until {@linkcode StdinGate.handOver}, each complete line
 * (without its `\n`, and a `\r` before it, as the MCP SDK splits them) goes to `onLine`, until
 * `onLine` returns true. Nothing is lost and nothing is read twice: the stream returned by
 * `handOver` starts with the first byte.
 *
 * @example
 * ```ts ignore
 * const gate = new StdinGate(process.stdin, (line) => line.includes('"initialize"'));
 * await mcpServer.connect(new StdioServerTransport(gate.handOver()));
 * ```
 */
export class StdinGate {
  #chunks: Buffer[] = [];
  #pending: Buffer = Buffer.alloc(0);
  #onLine?: (line: string) => boolean;
  #sink?: PassThrough;
  #ended = false;
  #onEnd: (() => void)[] = [];

  /**
   * @param stdin the stream to read; it is put in flowing mode at once.
   * @param onLine sees each complete line before the hand-over; returns true when it needs no
   *   more.
   */
  constructor(stdin: Readable, onLine: (line: string) => boolean) {
    this.#onLine = onLine;
    stdin.on("data", (chunk: Buffer | string) => this.#data(chunk));
    // Deno's stdin may only close; either one ends the session.
    stdin.on("end", () => this.#end());
    stdin.on("close", () => this.#end());
    // A broken stdin is the end of the session too, not an uncaught error.
    stdin.on("error", () => this.#end());
  }

  /** Whether stdin has ended (the client went away). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Calls `listener` once stdin ends, at once if it already has. */
  onEnd(listener: () => void): void {
    if (this.#ended) listener();
    else this.#onEnd.push(listener);
  }

  /**
   * Ends the look at lines and returns stdin whole: every byte read so far, then what follows,
   * ending when stdin ends.
   *
   * @throws {Error} when called twice (stdin has one reader).
   */
  handOver(): Readable {
    if (this.#sink) throw new Error("Cannot hand stdin over twice: it has one reader");
    const sink = this.#sink = new PassThrough();
    this.#onLine = undefined;
    this.#pending = Buffer.alloc(0);
    for (const chunk of this.#chunks) sink.write(chunk);
    this.#chunks = [];
    if (this.#ended) sink.end();
    return sink;
  }

  #data(data: Buffer | string): void {
    const chunk = typeof data === "string" ? Buffer.from(data) : data;
    if (this.#sink) {
      this.#sink.write(chunk);
      return;
    }
    this.#chunks.push(chunk);
    if (!this.#onLine) return;
    let rest = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    let nl;
    while (this.#onLine && (nl = rest.indexOf(10)) >= 0) {
      const line = rest.subarray(0, nl).toString("utf8").replace(/\r$/, "");
      rest = rest.subarray(nl + 1);
      if (this.#onLine(line)) this.#onLine = undefined;
    }
    this.#pending = this.#onLine ? Buffer.from(rest) : Buffer.alloc(0);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sink?.end();
    for (const listener of this.#onEnd.splice(0)) listener();
  }
}
