/**
 * Fuzz generators for valid requests: the secret header or a signature, JSON or text/plain,
 * and extreme but legal bodies. Each must be delivered exactly once.
 *
 * @module
 */

import { signHeaders } from "../../src/core/signature.ts";
import { BODY_LIMIT, type Generator, GOOD_FROM, MAX_MESSAGE_BYTES, utf8 } from "./_case.ts";
import type { FuzzContext } from "./_context.ts";

/** Valid requests, weighted: each case must become exactly one event. */
export function validGenerators(ctx: FuzzContext): Generator[] {
  const { secret, key, seed, envelope, messageText, uniqueId, secretHeaders, deliverCase } = ctx;
  return [
    // Valid: the secret header, JSON.
    [10, (r) => {
      const body = envelope(r);
      if (r.chance(0.3)) {
        // Prototype keys and unknown fields are ignored, never inherited.
        Object.defineProperty(body, "__proto__", {
          value: { message: "polluted", from: "evil", to: "other" },
          enumerable: true,
        });
        Object.assign(body, {
          constructor: { prototype: { from: "evil" } },
          toString: 1,
          hasOwnProperty: "x",
        });
      }
      const type = r.pick([
        "application/json",
        "application/json; charset=utf-8",
        " APPLICATION/JSON ;x=y",
        "",
      ]);
      const text = JSON.stringify(body);
      return deliverCase("valid", `secret header, JSON, content-type "${type}"`, body, () => ({
        headers: type === ""
          ? { "x-intercom-secret": secret }
          : secretHeaders({ "content-type": type }),
        body: utf8(text),
      }), { id: body.message_id as string, from: (body.from as string) ?? "webhook" });
    }],
    // Valid: signed (Standard Webhooks), JSON, with or without message_id in the body.
    [10, (r) => {
      const body = envelope(r);
      const webhookId = r.chance(0.3)
        ? `wh~${seed}!${++ctx.counter}`
        : (r.chance(0.5) ? uniqueId("wh") : body.message_id as string);
      if (r.chance(0.4)) delete body.message_id;
      const text = JSON.stringify(body);
      const skew = r.int(-250, 250);
      const wrongSecretToo = r.chance(0.2);
      // A webhook-id that is no message id leaves the node to make one up.
      const id = (body.message_id as string | undefined) ??
        (/^[A-Za-z0-9_.:-]{1,128}$/.test(webhookId) ? webhookId : undefined);
      return deliverCase(
        "valid",
        `signed JSON (clock ${skew} s${wrongSecretToo ? ", wrong secret header too" : ""})`,
        body,
        () => ({
          headers: {
            "content-type": "application/json",
            ...signHeaders(key, {
              id: webhookId,
              timestamp: Math.floor(Date.now() / 1000) + skew,
              body: text,
            }),
            ...(wrongSecretToo ? { "x-intercom-secret": "wrong" } : {}),
          },
          body: utf8(text),
        }),
        { id, from: (body.from as string) ?? "webhook" },
      );
    }],
    // Valid: text/plain, with the secret header or signed.
    [5, (r) => {
      const text = messageText(r);
      const from = r.chance(0.5) ? r.pick(GOOD_FROM) : undefined;
      const signed = r.chance(0.5);
      const webhookId = uniqueId("txt");
      return deliverCase(
        "valid",
        `text/plain, ${signed ? "signed" : "secret header"}${from ? `, from ${from}` : ""}`,
        text,
        () => ({
          headers: {
            "content-type": r.pick(["text/plain", "text/plain; charset=utf-8", "TEXT/PLAIN"]),
            ...(from ? { "x-intercom-from": from } : {}),
            ...(signed
              ? signHeaders(key, {
                id: webhookId,
                timestamp: Math.floor(Date.now() / 1000),
                body: text,
              })
              : { "x-intercom-secret": secret }),
          },
          body: utf8(text),
        }),
        { id: signed ? webhookId : undefined, from: from ?? "webhook", replayable: signed },
      );
    }],
    // Valid but extreme: a message of exactly the limit, many unknown fields.
    [1, (r) => {
      const body = envelope(r);
      const variant = r.int(0, 2);
      if (variant === 0) {
        body.message = `m${ctx.counter} ` + "é".repeat((MAX_MESSAGE_BYTES - 20) / 2);
        body.message += "x".repeat(MAX_MESSAGE_BYTES - utf8(body.message as string).length);
      } else if (variant === 1) {
        for (let i = 0; i < 5_000; i++) body[`k${i}`] = i % 2 ? [i] : { i };
      } else {
        body.padding = "p".repeat(BODY_LIMIT - 2_000 - JSON.stringify(body).length);
      }
      const text = JSON.stringify(body);
      return deliverCase("valid", `extreme valid body (variant ${variant})`, body, () => ({
        headers: secretHeaders(),
        body: utf8(text),
      }), { id: body.message_id as string, from: (body.from as string) ?? "webhook" });
    }],
  ];
}
