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
 * Reads a body stream up to `limit` bytes.
 *
 * @param body the request body (null reads as empty).
 * @param limit maximum number of bytes.
 * @param timeoutMs time allowed for the whole body, in milliseconds (slow bodies are cut off).
 * @returns the bytes read.
 * @throws {BodyTooLargeError} as soon as more than `limit` bytes arrived; the stream is
 *   cancelled.
 * @throws {BodyTimeoutError} when the body is not complete within `timeoutMs`.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  timeoutMs = 10_000,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
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
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
