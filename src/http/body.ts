/**
 * Reading request bodies with a size limit enforced while reading, so an oversized body is cut
 * off at the limit instead of being buffered whole.
 *
 * @module
 */

/** A body larger than the limit. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

/** A body that did not arrive in time. */
export class BodyTimeoutError extends Error {
  override name = "BodyTimeoutError";
}

/**
 * The raw body of a request under Node: a `node:http` `IncomingMessage` (any readable emitting
 * `data`, `end`, `error` and `close`). The Node adapter (`serve_node.ts`) hands it over instead
 * of a web `ReadableStream`, which would cost a stream conversion per request.
 */
export interface NodeBody {
  /** Adds a listener (`IncomingMessage.on`). */
  on(event: "data" | "end" | "close" | "error", listener: (arg?: never) => void): unknown;
  /** Removes a listener (`IncomingMessage.off`). */
  off(event: "data" | "end" | "close" | "error", listener: (arg?: never) => void): unknown;
  /** False while the message is incomplete (`IncomingMessage.complete`). */
  readonly complete?: boolean;
}

/**
 * Reads a body stream up to `limit` bytes.
 *
 * @param body the request body: a web stream, or under Node the raw `IncomingMessage`
 *   ({@linkcode NodeBody}); null reads as empty.
 * @param limit maximum number of bytes.
 * @param timeoutMs time allowed for the whole body, in milliseconds (slow bodies are cut off).
 * @returns the bytes read.
 * @throws {BodyTooLargeError} as soon as more than `limit` bytes arrived; the stream is
 *   cancelled.
 * @throws {BodyTimeoutError} when the body is not complete within `timeoutMs`.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | NodeBody | null,
  limit: number,
  timeoutMs = 10_000,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  if (!("getReader" in body)) return await readNodeBody(body, limit, timeoutMs);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BodyTimeoutError(`body took over ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new BodyTooLargeError(`body is over ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof BodyTimeoutError) await reader.cancel().catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * {@linkcode readLimited} over a Node readable: the same limit, timeout and errors, read from
 * its `data` events. Past the limit or the deadline it stops listening; `node:http` discards
 * the rest of the body once the answer is sent.
 */
function readNodeBody(body: NodeBody, limit: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > limit) finish(new BodyTooLargeError(`body is over ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (e: Error) => finish(e);
    // A client that hangs up mid-body: no "end" will come.
    const onClose = () => {
      if (body.complete === false) finish(new Error("the client closed the request"));
    };
    const listeners = { data: onData, end: onEnd, error: onError, close: onClose };
    const finish = (error?: Error) => {
      clearTimeout(timer);
      for (const [event, listener] of Object.entries(listeners)) {
        body.off(event as keyof typeof listeners, listener as () => void);
      }
      if (error) reject(error);
      else resolve(concat(chunks, size));
    };
    const timer = setTimeout(
      () => finish(new BodyTimeoutError(`body took over ${timeoutMs} ms`)),
      timeoutMs,
    );
    for (const [event, listener] of Object.entries(listeners)) {
      body.on(event as keyof typeof listeners, listener as () => void);
    }
  });
}
