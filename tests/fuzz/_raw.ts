/**
 * Raw sockets for the fuzz: bytes `fetch` refuses to send (broken framing, smuggling, non-HTTP)
 * and a body flood far over the limit, each bounded in time.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { connect } from "node:net";
import type { Answer } from "./_case.ts";

/**
 * One raw HTTP/1.1 exchange: writes `parts`, reads the first response (head and a
 * Content-Length body), then closes. Bounded by `timeoutMs`.
 */
export function rawRequest(
  port: number,
  parts: (string | Uint8Array)[],
  options: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<Answer & { timedOut?: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (timedOut = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      const status = text.match(/^HTTP\/1\.[01] (\d{3})/);
      if (!status || head < 0) {
        resolve({
          status: 0,
          headers: {},
          text,
          closed: data.length === 0,
          notHttp1: data.length > 0,
          timedOut: timedOut && data.length === 0,
        });
        return;
      }
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, head).split("\r\n").slice(1)) {
        const i = line.indexOf(":");
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      const body = data.subarray(Buffer.byteLength(text.slice(0, head + 4), "latin1"));
      resolve({
        status: Number(status[1]),
        headers,
        text: body.subarray(0, length).toString("utf8"),
      });
    };
    const complete = () => {
      const text = data.toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      if (head < 0) return false;
      const m = text.slice(0, head).match(/\r\ncontent-length:\s*(\d+)/i);
      return data.length >= Buffer.byteLength(text.slice(0, head + 4), "latin1") +
          Number(m?.[1] ?? 0);
    };
    const timer = setTimeout(() => finish(true), options.timeoutMs ?? 4_000);
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const notHttp1 = data.length >= 5 && data.subarray(0, 5).toString("latin1") !== "HTTP/";
      if (notHttp1 || complete()) finish();
    });
    socket.on("error", () => finish());
    socket.on("close", () => finish());
    socket.on("connect", () => {
      for (const p of parts) socket.write(p);
      if (options.halfClose) socket.end();
    });
  });
}

/** A flood of body bytes: how much went, the answer, and how it ended. */
export interface Flood {
  sent: number;
  /** Bytes sent when the answer was complete. */
  answeredAt?: number;
  text: string;
  how: string;
}

/**
 * POSTs an endless body to /message on `port` (chunked, or under a false 1 GB Content-Length)
 * and records when the answer came and how the connection ended.
 */
export function floodBody(port: number, secret: string, chunked: boolean): Promise<Flood> {
  return new Promise<Flood>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const framed = Buffer.concat([
      Buffer.from(`${piece.length.toString(16)}\r\n`),
      piece,
      Buffer.from("\r\n"),
    ]);
    // Bounded: at most 128 MiB before the answer and 64 MiB or 300 ms after it, 15 s in all.
    // (Deno's server drains the rest of a refused body, discarding it, and may hold the answer
    // back while bytes keep coming; when we pause at the cap, it comes.)
    const cap = 128 * 2 ** 20;
    const flood: Flood = { sent: 0, text: "", how: "timeout" };
    let done = false;
    const finish = (how: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      flood.how = flood.answeredAt === undefined ? how : `answered, then ${how}`;
      resolve(flood);
    };
    const timer = setTimeout(() => finish("timeout"), 15_000);
    socket.on("data", (d: Buffer) => {
      flood.text += d.toString("latin1");
      const head = flood.text.indexOf("\r\n\r\n");
      const m = flood.text.match(/content-length: (\d+)/i);
      const complete = head >= 0 && m && flood.text.length >= head + 4 + Number(m[1]);
      if (complete && flood.answeredAt === undefined) {
        flood.answeredAt = flood.sent;
        // Go on a little to see whether the connection is cut or drained.
        setTimeout(() => finish("kept open"), 300);
      }
    });
    socket.on("error", () => finish("reset"));
    socket.on("close", () => finish("closed"));
    const pump = () => {
      while (
        !done && flood.sent < cap &&
        (flood.answeredAt === undefined || flood.sent - flood.answeredAt < 64 * 2 ** 20)
      ) {
        flood.sent += piece.length;
        if (!socket.write(chunked ? framed : piece)) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    socket.on("connect", () => {
      socket.write(
        `POST /message HTTP/1.1\r\nHost: x\r\nX-Intercom-Secret: ${secret}\r\n` +
          "Content-Type: application/json\r\n" +
          (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: 1000000000\r\n\r\n"),
      );
      pump();
    });
  });
}
