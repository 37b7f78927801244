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
 * Reads Server-Sent Events from a response until `until` says stop or `timeoutMs` passes,
 * then cancels the stream.
 *
 * @returns the events read (`event` defaults to "message").
 */
export async function readSse(
  response: Response,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 5_000,
): Promise<SseEvent[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), timeoutMs);
  });
  try {
    while (!until(events)) {
      const read = await Promise.race([reader.read(), timeout]);
      if (read === "timeout") {
        throw new Error(`SSE: timed out after ${timeoutMs} ms with ${JSON.stringify(events)}`);
      }
      if (read.done) break;
      buffer += read.value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = parseSseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) events.push(event);
      }
    }
    return events;
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}
