/**
 * Fuzz generators for malformed bodies: broken and deeply nested JSON, wrong types, empty and
 * huge fields, bodies over the limit, invalid UTF-8 and prototype pollution.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { signHeaders } from "../../src/core/signature.ts";
import { BODY_LIMIT, type Generator, MAX_MESSAGE_BYTES, utf8 } from "./_case.ts";
import type { FuzzContext } from "./_context.ts";

/** Malformed bodies, weighted: each must be refused 4xx (one may be accepted). */
export function bodyGenerators(ctx: FuzzContext): Generator[] {
  const { key, envelope, uniqueId, secretHeaders, http } = ctx;
  return [
    // Broken JSON.
    [8, (r) => {
      const whole = JSON.stringify(envelope(r));
      const broken = r.pick([
        () => whole.slice(0, r.int(0, whole.length - 1)),
        () => whole.replace(/}$/, ",}"),
        () => whole.replace(/"/g, "'"),
        () => whole.replace(/:/, ""),
        () => `${whole}${whole}`,
        () => `${whole} trailing`,
        () => "NaN",
        () => "undefined",
        () => "{message: 'hi'}",
        () => "   ",
        () => "\u0000",
        () => whole.replace(/"message"/, '"mess\u0000age"').replace("\u0000", "\\x00"),
        () => "{" + '"message":"a",'.repeat(10) + "}",
        () => whole.replace(/"$/, "").replace(/}$/, '"\\u12"}'),
      ])();
      return {
        kind: "broken JSON",
        what: `${JSON.stringify(broken.slice(0, 60))}`,
        expect: "reject",
        status: 400,
        send: () => http("/message", { headers: secretHeaders(), body: utf8(broken) }),
      };
    }],
    // Deeply nested JSON.
    [4, (r) => {
      const depth = r.pick([1_000, 10_000, 50_000, 100_000]);
      const variant = r.int(0, 5);
      const body = [
        () => "[".repeat(depth),
        () => "[".repeat(depth) + "]".repeat(depth),
        () => '{"a":'.repeat(depth / 2) + "1" + "}".repeat(depth / 2),
        () => '{"message":"x","from":' + "[".repeat(depth) + "]".repeat(depth) + "}",
        () => '{"message":' + '{"m":'.repeat(depth / 2) + '"x"' + "}".repeat(depth / 2) + "}",
        () => '{"from":"x","__proto__":' + "[".repeat(depth) + "]".repeat(depth) + "}",
      ][variant]();
      return {
        kind: "deep nesting",
        what: `variant ${variant}, depth ${depth}`,
        expect: "reject",
        status: 400,
        send: () => http("/message", { headers: secretHeaders(), body: utf8(body) }),
      };
    }],
    // Wrong types for every field.
    [10, (r) => {
      const body = envelope(r);
      const field = r.pick(["message", "from", "to", "message_id", "reply_to", "sent_at"]);
      const wrong = r.pick<unknown>([
        0,
        -1,
        1e308,
        true,
        false,
        [],
        ["x"],
        {},
        { x: "y" },
        [[["deep"]]],
        ...(field === "message" ? [null] : []),
      ]);
      body[field] = wrong;
      const top = r.chance(0.1);
      const text = top
        ? JSON.stringify(r.pick([1, true, null, [body], 0.5]))
        : JSON.stringify(body);
      return {
        kind: "wrong type",
        what: top ? `top-level ${text.slice(0, 30)}` : `${field}: ${JSON.stringify(wrong)}`,
        expect: "reject",
        status: 400,
        send: () => http("/message", { headers: secretHeaders(), body: utf8(text) }),
      };
    }],
    // A top-level JSON string: the issue does not say; accepted as a message or refused.
    [1, (_r) => {
      const text = JSON.stringify(`top-level string ${uniqueId()}`);
      return {
        kind: "top-level string",
        what: text,
        expect: "either",
        from: "webhook",
        message: JSON.parse(text),
        send: () => http("/message", { headers: secretHeaders(), body: utf8(text) }),
      };
    }],
    // Huge and empty fields.
    [10, (r) => {
      const body = envelope(r);
      const variants: [string, () => void, number][] = [
        ["empty message", () => (body.message = ""), 400],
        ["blank message", () => (body.message = " \n\t\u00a0\ufeff "), 400],
        ["message over the limit", () => (body.message = "x".repeat(MAX_MESSAGE_BYTES + 1)), 413],
        [
          "multi-byte message over the limit",
          () => (body.message = "€".repeat(Math.ceil(MAX_MESSAGE_BYTES / 3) + 1)),
          413,
        ],
        ["empty from", () => (body.from = ""), 400],
        ["long from", () => (body.from = "a".repeat(65)), 400],
        ["huge from", () => (body.from = "a".repeat(100_000)), 400],
        ["empty message_id", () => (body.message_id = ""), 400],
        ["long message_id", () => (body.message_id = "i".repeat(129)), 400],
        ["huge message_id", () => (body.message_id = "i".repeat(200_000)), 400],
        ["long reply_to", () => (body.reply_to = "r".repeat(129)), 400],
        ["empty reply_to", () => (body.reply_to = ""), 400],
        ["long sent_at", () => (body.sent_at = `2026-01-01T00:00:00.000Z${" ".repeat(20)}`), 400],
        ["empty sent_at", () => (body.sent_at = ""), 400],
        ["bad sent_at", () => (body.sent_at = "yesterday"), 400],
        ["empty to", () => (body.to = ""), 421],
        ["huge to", () => (body.to = "t".repeat(100_000)), 421],
      ];
      const [what, apply, status] = r.pick(variants);
      apply();
      const text = JSON.stringify(body);
      return {
        kind: "huge or empty field",
        what,
        expect: "reject",
        status,
        send: () => http("/message", { headers: secretHeaders(), body: utf8(text) }),
      };
    }],
    // Bodies over the limit.
    [2, (r) => {
      const size = BODY_LIMIT + r.int(1, 300_000);
      const plain = r.chance(0.5);
      const body = plain ? "y".repeat(size) : `{"message":"${"z".repeat(size)}"}`;
      return {
        kind: "body over the limit",
        what: `${size} bytes, ${plain ? "text/plain" : "JSON"}`,
        expect: "reject",
        status: 413,
        send: () =>
          http("/message", {
            headers: secretHeaders(plain ? { "content-type": "text/plain" } : {}),
            body: utf8(body),
          }),
      };
    }],
    // Invalid UTF-8.
    [6, (r) => {
      const bad = r.pick([
        [0xff],
        [0xfe, 0xff],
        [0xc0, 0xaf],
        [0xe0, 0x80, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
        [0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
      ]);
      const plain = r.chance(0.3);
      const signed = r.chance(0.3);
      const body = plain
        ? Buffer.concat([utf8(`m${ctx.counter} `), Uint8Array.from(bad)])
        : Buffer.concat([utf8(`{"message":"m${ctx.counter} `), Uint8Array.from(bad), utf8('"}')]);
      return {
        kind: "invalid UTF-8",
        what: `${plain ? "text/plain" : "JSON"} with ${bad.map((b) => b.toString(16))}` +
          (signed ? ", signed" : ""),
        expect: "reject",
        status: 400,
        send: () =>
          http("/message", {
            headers: signed
              ? {
                "content-type": plain ? "text/plain" : "application/json",
                ...signHeaders(key, {
                  id: uniqueId("u8"),
                  timestamp: Math.floor(Date.now() / 1000),
                  body,
                }),
              }
              : secretHeaders(plain ? { "content-type": "text/plain" } : {}),
            body: new Uint8Array(body),
          }),
      };
    }],
    // Prototype pollution: a message only on a prototype is no message.
    [5, (r) => {
      const text = r.pick([
        '{"__proto__":{"message":"polluted"}}',
        '{"__proto__":{"message":"polluted","from":"evil"},"from":"ci"}',
        '{"constructor":{"prototype":{"message":"polluted"}}}',
        '{"__proto__":{"__proto__":{"message":"polluted"}}}',
        '{"message":{"__proto__":"x"}}',
        '{"message":"x","from":{"__proto__":"evil"}}',
        '{"message":"x","__proto__":{"message_id":"polluted"},"message_id":{"__proto__":1}}',
        '[{"__proto__":{"message":"x"}}]',
        '{"prototype":{"message":"x"}}',
        '{"toString":"x","valueOf":"y"}',
      ]);
      return {
        kind: "__proto__/constructor",
        what: text,
        expect: "reject",
        status: 400,
        send: () => http("/message", { headers: secretHeaders(), body: utf8(text) }),
      };
    }],
  ];
}
