/**
 * Server-Sent Events as the tests read them: one parser for an event block, used both on a
 * live response ({@linkcode readSse}) and on captured text ({@linkcode parseSse}), so the two
 * can never disagree about framing.
 *
 * @module
 */

/** One SSE event (`event` defaults to "message"). */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses one event block (the text between two blank lines).
 *
 * @returns the event, or `undefined` when the block has no data line (a comment, a bare id).
 */
export function parseSseBlock(block: string): SseEvent | undefined {
  const fields = { event: "message", data: [] as string[], id: undefined as string | undefined };
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const key = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (key === "event") fields.event = value;
    else if (key === "data") fields.data.push(value);
    else if (key === "id") fields.id = value;
  }
  return fields.data.length > 0
    ? { event: fields.event, data: fields.data.join("\n"), id: fields.id }
    : undefined;
}

/** Parses SSE text into events (as {@linkcode readSse} does). */
export function parseSse(text: string): SseEvent[] {
  return text.split("\n\n").flatMap((block) => parseSseBlock(block) ?? []);
}

/**
 * A live `text/event-stream` read in the background: its events and raw text so far, and
 * bounded waits for what a test needs next (the `hello` before sending traffic, the events the
 * traffic raised), checked each time something arrives. {@linkcode close} cancels it.
 */
export class SseStream {
  /** Events in arrival order (`event` defaults to "message"). */
  readonly events: SseEvent[] = [];
  /** Everything read so far, as text. */
  text = "";
  /** Set when the stream ended (the server closed it, or it failed). */
  ended = false;
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #pumping: Promise<void>;
  #waiters = new Set<() => void>();

  constructor(response: Response) {
    this.#reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.#pumping = this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const read = await this.#reader.read();
        if (read.done) break;
        this.text += read.value;
        this.#buffer += read.value;
        let end;
        while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
          const event = parseSseBlock(this.#buffer.slice(0, end));
          this.#buffer = this.#buffer.slice(end + 2);
          if (event) this.events.push(event);
        }
        for (const wake of [...this.#waiters]) wake();
      }
    } catch { /* cancelled or cut: ended */ }
    this.ended = true;
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Waits until `check(events, text)` holds or the stream ended.
   *
   * @returns the events read so far.
   * @throws {Error} with what was read, after `timeoutMs`.
   */
  until(
    check: (events: SseEvent[], text: string) => boolean,
    timeoutMs = 10_000,
  ): Promise<SseEvent[]> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (!this.ended && !check(this.events, this.text)) return;
        done();
        resolve(this.events);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `SSE: timed out after ${timeoutMs} ms waiting for ${check}; read so far: ` +
              JSON.stringify(this.text.slice(-500)),
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
      };
      this.#waiters.add(wake);
      wake();
    });
  }

  /** Waits for the `hello` event, which the node sends once the stream follows its hub. */
  hello(timeoutMs = 10_000): Promise<SseEvent[]> {
    return this.until((events) => events.some((e) => e.event === "hello"), timeoutMs);
  }

  /** Cancels the stream (idempotent). */
  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.#pumping;
  }
}

/**
 * Reads Server-Sent Events from a response until `until` says stop, the stream ends or
 * `timeoutMs` passes, then cancels the stream.
 *
 * @returns the events read (`event` defaults to "message").
 * @throws {Error} with the events read, after `timeoutMs`.
 */
export async function readSse(
  response: Response,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<SseEvent[]> {
  const stream = new SseStream(response);
  try {
    return await stream.until(until, timeoutMs);
  } finally {
    await stream.close();
  }
}
