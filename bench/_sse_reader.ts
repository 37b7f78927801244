/**
 * A lean `GET /events` reader for the fan-out benchmark: a raw TCP connection (`Deno.connect`)
 * with one request, the HTTP/1.1 chunked body decoded by hand, and the text handed on in the
 * pieces the kernel delivered. A hundred `fetch` streams piped through `TextDecoderStream`
 * cost the benchmark process more than the node it measures; this costs one read a batch.
 * Bytes are decoded as latin1 so string lengths equal byte counts (the chunk sizes).
 *
 * @module
 */

/** An open subscription; `done` settles when the stream ends or `close()` was called. */
export interface RawSse {
  done: Promise<void>;
  close(): void;
}

/** Removes HTTP/1.1 chunk framing from a body arriving in arbitrary pieces. */
export class Dechunker {
  #left = 0;
  #pending = "";

  /** Feeds one piece; returns the body text it completes. */
  push(piece: string): string {
    let text = this.#pending + piece;
    this.#pending = "";
    let out = "";
    while (text.length > 0) {
      if (this.#left > 0) {
        const take = Math.min(this.#left, text.length);
        out += text.slice(0, take);
        text = text.slice(take);
        this.#left -= take;
        continue;
      }
      const start = text.startsWith("\r\n") ? 2 : 0;
      const eol = text.indexOf("\r\n", start);
      if (eol < 0) {
        this.#pending = text;
        break;
      }
      this.#left = parseInt(text.slice(start, eol), 16);
      text = text.slice(eol + 2);
      if (this.#left === 0) break; // last chunk
    }
    return out;
  }
}

/**
 * Opens `url/events` with `headers` and calls `onText(text, now)` for each piece of the body.
 *
 * @throws {Error} when the answer is not 200.
 */
export async function openRawSse(
  url: string,
  headers: Record<string, string>,
  onText: (text: string, now: number) => void,
): Promise<RawSse> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const request = `GET /events HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${lines}\r\n`;
  await conn.write(new TextEncoder().encode(request));
  const decoder = new TextDecoder("latin1");
  const buffer = new Uint8Array(256 * 1024);
  let head = "";
  let body: ((piece: string) => string) | undefined;
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`${url}/events closed before answering`);
    head += decoder.decode(buffer.subarray(0, n));
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) continue;
    if (!/^HTTP\/1\.1 200/.test(head)) {
      conn.close();
      throw new Error(`GET /events answered ${head.slice(0, head.indexOf("\r\n"))}`);
    }
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head.slice(0, end));
    const dechunker = new Dechunker();
    body = chunked ? (p) => dechunker.push(p) : (p) => p;
    const rest = body(head.slice(end + 4));
    if (rest) onText(rest, performance.now());
    break;
  }
  let closed = false;
  const done = (async () => {
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) return;
        const now = performance.now();
        onText(body(decoder.decode(buffer.subarray(0, n))), now);
      }
    } catch (e) {
      if (!closed) throw e;
    }
  })();
  return {
    done,
    close: () => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch { /* already closed */ }
    },
  };
}
