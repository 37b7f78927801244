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

/**
 * Reads a body stream up to `limit` bytes.
 *
 * @param body the request body (null reads as empty).
 * @param limit maximum number of bytes.
 * @returns the bytes read.
 * @throws {BodyTooLargeError} as soon as more than `limit` bytes arrived; the stream is
 *   cancelled.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new BodyTooLargeError(`body is over ${limit} bytes`);
      }
      chunks.push(value);
    }
  } finally {
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
