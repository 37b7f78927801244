/**
 * Hub events as a `text/event-stream` (Server-Sent Events, WHATWG HTML §9.2).
 *
 * Stream: `event: hello` (`{"role","peers","version"}`, no id) on connect, then
 * `event: send` / `event: recv` with `id: <boot>.<seq>` and the envelope as JSON data, a
 * `: keep-alive` comment every 15 s, and `event: reset` when a client's `Last-Event-ID` is older
 * than the history (it missed events and must start over). `<boot>` names this run of the node:
 * an id from an earlier run resumes from the start of this run's history.
 *
 * @module
 */

import type { Hub, HubRecord } from "../node/hub.ts";

/** One SSE message. */
export interface SseMessage {
  /** Event type; `message` when absent. */
  event?: string;
  /** Event id, for `Last-Event-ID` on reconnect. */
  id?: string;
  /** Data; a multi-line value becomes several `data:` lines. */
  data: string;
}

const encoder = new TextEncoder();

/** Each record's SSE bytes, serialised once however many streams carry it. */
const encoded = new WeakMap<HubRecord, Uint8Array>();

function recordBytes(record: HubRecord, boot: string): Uint8Array {
  let bytes = encoded.get(record);
  if (bytes === undefined) {
    bytes = encoder.encode(formatSse(recordToSse(record, boot)));
    encoded.set(record, bytes);
  }
  return bytes;
}

/**
 * Serialises one SSE message. Each line of `data` becomes its own `data:` field, and CR/LF are
 * removed from `event` and `id`, so no text can forge a field or end the message early.
 */
export function formatSse(message: SseMessage): string {
  let out = "";
  if (message.event) out += `event: ${message.event.replace(/[\r\n]/g, "")}\n`;
  if (message.id) out += `id: ${message.id.replace(/[\r\n\0]/g, "")}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

/** A record as its SSE message: the envelope as data, `<boot>.<seq>` as id. */
function recordToSse(record: HubRecord, boot: string): SseMessage {
  return { event: record.kind, id: `${boot}.${record.seq}`, data: JSON.stringify(record.envelope) };
}

/**
 * The sequence number to resume after, from a `Last-Event-ID` (`<boot>.<seq>`, or a bare
 * number): 0 for an id of another run, undefined when there is nothing to resume.
 */
export function resumeAfter(
  lastEventId: string | null | undefined,
  boot: string,
): number | undefined {
  const m = /^(?:([0-9a-f]{1,16})\.)?(\d{1,15})$/.exec(lastEventId?.trim() ?? "");
  if (!m) return undefined;
  return m[1] !== undefined && m[1] !== boot ? 0 : Number(m[2]);
}

/** Options for {@linkcode EventStreams.open}. */
export interface OpenOptions {
  /** Data of the `hello` event. */
  hello: Record<string, unknown>;
  /** The client's `Last-Event-ID` header, if any. */
  lastEventId?: string | null;
}

/**
 * The open `/events` streams of a node: opens them on a hub, counts them, closes them all at
 * shutdown (under Deno an open SSE response would keep the process alive).
 */
export class EventStreams {
  #hub: Hub;
  #keepAliveMs: number;
  #closers = new Set<() => void>();

  /**
   * Makes the set of streams of one node.
   *
   * @param hub the hub whose events to stream.
   * @param keepAliveMs interval between keep-alive comments, in milliseconds.
   */
  constructor(hub: Hub, keepAliveMs = 15_000) {
    this.#hub = hub;
    this.#keepAliveMs = keepAliveMs;
  }

  /** Number of open streams. */
  get size(): number {
    return this.#closers.size;
  }

  /** Opens a stream: `hello`, missed events after `lastEventId`, then live events. */
  open(options: OpenOptions): ReadableStream<Uint8Array> {
    let cleanup = () => {};
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        const write = (m: SseMessage | string | Uint8Array) => {
          try {
            controller.enqueue(
              m instanceof Uint8Array
                ? m
                : encoder.encode(typeof m === "string" ? m : formatSse(m)),
            );
          } catch { /* closed: cleanup runs from cancel/close */ }
        };
        write({ event: "hello", data: JSON.stringify(options.hello) });
        const boot = this.#hub.boot;
        const last = resumeAfter(options.lastEventId, boot);
        if (last !== undefined) {
          const missed = this.#hub.since(last);
          if (missed === undefined) write({ event: "reset", data: "{}" });
          else for (const r of missed) write(recordBytes(r, boot));
        }
        const offRecords = this.#hub.subscribe((r) => write(recordBytes(r, boot)));
        // Notices (a status line) are live facts, not history: no id, not resumed.
        const offNotices = this.#hub.onNotice((n) =>
          write({ event: n.event, data: JSON.stringify(n.data) })
        );
        const off = () => {
          offRecords();
          offNotices();
        };
        const timer = setInterval(() => write(": keep-alive\n\n"), this.#keepAliveMs);
        const close = () => {
          cleanup();
          try {
            controller.close();
          } catch { /* already closed */ }
        };
        cleanup = () => {
          off();
          clearInterval(timer);
          this.#closers.delete(close);
        };
        this.#closers.add(close);
      },
      // Runs when the client goes away; under Deno.serve this beats listening to request.signal.
      cancel: () => cleanup(),
    });
  }

  /** Ends every open stream cleanly. */
  closeAll(): void {
    for (const close of [...this.#closers]) close();
  }
}
