/**
 * Raw-socket fuzz cases: header bytes, framing and request lines that `fetch` refuses to send
 * (smuggling, obs-fold, bad chunking, non-HTTP bytes), plus exotic targets that must deliver.
 *
 * @module
 */

import { type Case, type Expect, utf8 } from "./_case.ts";
import type { FuzzContext } from "./_context.ts";
import type { Prng } from "../support/prng.ts";

/** Raw-socket cases: bytes fetch refuses to send. */
export function rawCases(ctx: FuzzContext, r: Prng): Omit<Case, "n">[] {
  const { secret, envelope, uniqueId, raw } = ctx;
  const out: Omit<Case, "n">[] = [];
  const authed = (extra = "") =>
    `Host: 127.0.0.1\r\nX-Intercom-Secret: ${secret}\r\nContent-Type: application/json\r\n${extra}`;
  const add = (
    what: string,
    parts: () => (string | Uint8Array)[],
    options: { halfClose?: boolean; expect?: Expect; body?: Record<string, unknown> } = {},
  ) => {
    const body = options.body;
    out.push({
      kind: "raw socket",
      what,
      expect: options.expect ?? "raw-reject",
      id: body?.message_id as string | undefined,
      message: body?.message as string | undefined,
      from: body ? (body.from as string) ?? "webhook" : undefined,
      status: options.expect === "deliver" ? 200 : undefined,
      send: () => raw(parts(), { halfClose: options.halfClose }),
    });
  };
  for (let round = 0; round < 4; round++) {
    const body = envelope(r);
    // No "from" in the body, so X-Intercom-From is what names the sender.
    delete body.from;
    const text = JSON.stringify(body);
    const len = utf8(text).length;
    const smuggled = JSON.stringify({ message: "smuggled", message_id: uniqueId("smuggled") });
    const inner = `POST /message HTTP/1.1\r\n${authed()}Content-Length: ${
      utf8(smuggled).length
    }\r\n\r\n${smuggled}`;
    const header = (name: string, value: string | number[]) => () => [
      utf8(`POST /message HTTP/1.1\r\n${authed()}${name}: `),
      typeof value === "string" ? utf8(value) : Uint8Array.from(value),
      utf8(`\r\nContent-Length: ${len}\r\n\r\n${text}`),
    ];
    add("bare LF in a header value", header("X-Intercom-From", "a\nX-Intercom-Secret: y"));
    add("bare CR in a header value", header("X-Intercom-From", "a\rb"));
    add("NUL in a header value", header("X-Intercom-From", "a\u0000b"));
    add("DEL in a header value", header("X-Intercom-Secret", `${secret}\u007f`));
    add("high bytes in X-Intercom-From", header("X-Intercom-From", [0xff, 0xfe, 0xc3]));
    add("high bytes in X-Intercom-Secret", header("X-Intercom-Secret", [0xc3, 0xa9, 0x80]));
    add("high bytes in webhook-id", () => [
      utf8(
        `POST /message HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Webhook-Timestamp: ${Math.floor(Date.now() / 1000)}\r\n` +
          `Webhook-Signature: v1,${btoa("s".repeat(32))}\r\nWebhook-Id: `,
      ),
      Uint8Array.from([0xe2, 0x82, 0xac]),
      utf8(`\r\nContent-Length: ${len}\r\n\r\n${text}`),
    ]);
    add("obs-fold continuation line", () => [
      `POST /message HTTP/1.1\r\n${authed()}X-Intercom-From: a\r\n b\r\nContent-Length: ${len}\r\n\r\n${text}`,
    ]);
    add("header name with a space", () => [
      `POST /message HTTP/1.1\r\n${authed()}X Intercom: a\r\nContent-Length: ${len}\r\n\r\n${text}`,
    ]);
    add("header without a colon", () => [
      `POST /message HTTP/1.1\r\n${authed()}Garbage\r\nContent-Length: ${len}\r\n\r\n${text}`,
    ]);
    add("Content-Length not a number", () => [
      `POST /message HTTP/1.1\r\n${authed()}Content-Length: abc\r\n\r\n${text}`,
    ]);
    add("negative Content-Length", () => [
      `POST /message HTTP/1.1\r\n${authed()}Content-Length: -1\r\n\r\n${text}`,
    ]);
    add("two different Content-Lengths", () => [
      `POST /message HTTP/1.1\r\n${authed()}Content-Length: 5\r\nContent-Length: ${len}\r\n\r\n${text}`,
    ]);
    add("Content-Length and chunked (smuggling)", () => [
      `POST /message HTTP/1.1\r\n${authed()}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${len.toString(16)}\r\n${text}\r\n0\r\n\r\n${inner}`,
    ]);
    add("Transfer-Encoding: xchunked (smuggling)", () => [
      `POST /message HTTP/1.1\r\n${authed()}Transfer-Encoding: xchunked\r\nContent-Length: ${len}\r\n\r\n${text}${inner}`,
    ]);
    add("Transfer-Encoding: chunked, identity", () => [
      `POST /message HTTP/1.1\r\n${authed()}Transfer-Encoding: chunked, identity\r\n\r\n${text}`,
    ]);
    add("bad chunk size", () => [
      `POST /message HTTP/1.1\r\n${authed()}Transfer-Encoding: chunked\r\n\r\nzz\r\n${text}\r\n0\r\n\r\n`,
    ]);
    add("chunk longer than its size", () => [
      `POST /message HTTP/1.1\r\n${authed()}Transfer-Encoding: chunked\r\n\r\n2\r\n${text}\r\n0\r\n\r\n`,
    ]);
    add("false Content-Length, connection half-closed", () => [
      `POST /message HTTP/1.1\r\n${authed()}Content-Length: ${len + 1000}\r\n\r\n${text}`,
    ], { halfClose: true });
    add("short Content-Length (the rest is garbage)", () => [
      `POST /message HTTP/1.1\r\n${authed()}Content-Length: ${r.int(1, len - 1)}\r\n\r\n${text}`,
    ]);
    add("TLS ClientHello", () => [Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])]);
    add("random bytes", () => [r.bytes(r.int(1, 2000))]);
    add("HTTP/2.0 request line", () => ["GET /health HTTP/2.0\r\nHost: x\r\n\r\n"]);
    add("HTTP/9.9 request line", () => ["GET /health HTTP/9.9\r\nHost: x\r\n\r\n"]);
    add("bad method token", () => ["P@ST /message HTTP/1.1\r\nHost: x\r\n\r\n"]);
    add("space in the path", () => ["GET /hea lth HTTP/1.1\r\nHost: x\r\n\r\n"]);
    add(
      "a 200 KB header",
      () => [`GET /health HTTP/1.1\r\nHost: x\r\nX-A: ${"a".repeat(200_000)}\r\n\r\n`],
    );
    add("300 headers", () => [
      `GET /health HTTP/1.1\r\nHost: x\r\n${
        Array.from({ length: 300 }, (_, i) => `X-${i}: v`).join("\r\n")
      }\r\n\r\n`,
    ]);
    add("Host with a space", () => [
      `POST /message HTTP/1.1\r\n${
        authed().replace("127.0.0.1", "a b")
      }Content-Length: ${len}\r\n\r\n${text}`,
    ]);
    add("Host with a broken IPv6 literal", () => ["GET /health HTTP/1.1\r\nHost: [::1\r\n\r\n"]);
    add("Host with a CR-less newline", () => ["GET /health HTTP/1.1\r\nHost: a\nb\r\n\r\n"]);
    add("Host with a percent", () => ["GET /events HTTP/1.1\r\nHost: %zz\r\n\r\n"]);
    add("TRACE", () => ["TRACE /message HTTP/1.1\r\nHost: x\r\n\r\n"]);
    add("CONNECT", () => ["CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n"]);
    add("OPTIONS *", () => ["OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"]);
    add("lower-case post", () => [
      `post /message HTTP/1.1\r\n${authed()}Content-Length: ${len}\r\n\r\n${text}`,
    ]);
    add("HTTP/2 preface (h2c)", () => ["PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]);
    add("slowloris header", () => ["GET /health HTTP/1.1\r\nHost: x\r\nX-A: "], {
      halfClose: true,
    });
    // Exotic but legitimate request targets reach /message.
    const b1 = envelope(r);
    const t1 = JSON.stringify(b1);
    add("absolute-form request target", () => [
      `POST http://evil.example/message HTTP/1.1\r\n${authed()}Content-Length: ${
        utf8(t1).length
      }\r\n\r\n${t1}`,
    ], { expect: "deliver", body: b1 });
    const b2 = envelope(r);
    const t2 = JSON.stringify(b2);
    add("dot segment /./message", () => [
      `POST /./message HTTP/1.1\r\n${authed()}Content-Length: ${utf8(t2).length}\r\n\r\n${t2}`,
    ], { expect: "deliver", body: b2 });
    const b3 = envelope(r);
    const t3 = JSON.stringify(b3);
    add("HTTP/1.0 without Host", () => [
      `POST /message HTTP/1.0\r\nX-Intercom-Secret: ${secret}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${utf8(t3).length}\r\n\r\n${t3}`,
    ], { expect: "deliver", body: b3 });
  }
  return out;
}
