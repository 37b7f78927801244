/**
 * Fuzz generators for authentication: bad signatures, stale and future timestamps, and wrong
 * or missing secrets. Each must be refused 401.
 *
 * @module
 */

import { signHeaders } from "../../src/core/signature.ts";
import { randomSecret } from "../support/harness.ts";
import { type Generator, utf8 } from "./_case.ts";
import type { FuzzContext } from "./_context.ts";

/** Bad signatures, timestamps and secrets, weighted. */
export function authGenerators(ctx: FuzzContext): Generator[] {
  const { secret, key, envelope, uniqueId, http } = ctx;
  return [
    // Bad signatures (the secret header, if any, does not help a bad signature).
    [12, (r) => {
      const body = envelope(r);
      const text = JSON.stringify(body);
      const id = uniqueId("sig");
      const now = Math.floor(Date.now() / 1000);
      const good = () => signHeaders(key, { id, timestamp: now, body: text });
      const sig = () => good()["webhook-signature"];
      const variants: [string, () => Record<string, string>][] = [
        ["wrong key", () => signHeaders(utf8(`${secret}x`), { id, timestamp: now, body: text })],
        ["empty key", () => signHeaders(new Uint8Array(0), { id, timestamp: now, body: text })],
        ["random key", () => signHeaders(r.bytes(32), { id, timestamp: now, body: text })],
        [
          "key as base64 of the secret",
          () => signHeaders(utf8(btoa(secret)), { id, timestamp: now, body: text }),
        ],
        [
          "tampered body",
          () => signHeaders(key, { id, timestamp: now, body: text.replace("m", "M") }),
        ],
        ["tampered id", () => ({ ...good(), "webhook-id": `${id}x` })],
        ["tampered timestamp", () => ({ ...good(), "webhook-timestamp": String(now - 1) })],
        ["missing webhook-id", () => ({ ...good(), "webhook-id": "" })],
        ["missing timestamp", () => ({ ...good(), "webhook-timestamp": "" })],
        ["empty signature", () => ({ ...good(), "webhook-signature": " " })],
        ["v1 without value", () => ({ ...good(), "webhook-signature": "v1," })],
        ["v1 with junk", () => ({ ...good(), "webhook-signature": "v1,!!!!" })],
        ["no comma", () => ({ ...good(), "webhook-signature": sig().replace(",", "") })],
        ["v2 scheme", () => ({ ...good(), "webhook-signature": sig().replace("v1,", "v2,") })],
        ["v1a scheme", () => ({ ...good(), "webhook-signature": sig().replace("v1,", "v1a,") })],
        [
          "short HMAC",
          () => ({ ...good(), "webhook-signature": `v1,${btoa("x".repeat(31))}` }),
        ],
        [
          "17 signatures",
          () => ({ ...good(), "webhook-signature": Array(17).fill(sig()).join(" ") }),
        ],
        ["id with a space", () => ({ ...good(), "webhook-id": "a b" })],
        ["id with a comma", () => ({ ...good(), "webhook-id": "a,b" })],
        ["id of 257 chars", () => ({ ...good(), "webhook-id": "i".repeat(257) })],
        ["timestamp not digits", () => ({ ...good(), "webhook-timestamp": "1e9" })],
        ["negative timestamp", () => ({ ...good(), "webhook-timestamp": "-1" })],
        ["hex timestamp", () => ({ ...good(), "webhook-timestamp": "0x10" })],
        ["16-digit timestamp", () => ({ ...good(), "webhook-timestamp": "1".repeat(16) })],
        [
          "signature of another request",
          () => ({
            ...good(),
            "webhook-signature": signHeaders(key, { id: "other", timestamp: now, body: text })[
              "webhook-signature"
            ],
          }),
        ],
      ];
      const [what, headers] = r.pick(variants);
      // Without a signature header the secret alone would (rightly) be enough.
      const withSecret = what !== "empty signature" && r.chance(0.3);
      const events = r.chance(0.1);
      return {
        kind: "bad signature",
        what: `${what}${withSecret ? " (+ right secret header)" : ""}${events ? ", /events" : ""}`,
        expect: "reject",
        status: 401,
        send: () =>
          events
            ? http("/events", {
              method: "GET",
              headers: { ...headers(), ...(withSecret ? { "x-intercom-secret": secret } : {}) },
            })
            : http("/message", {
              headers: {
                "content-type": "application/json",
                ...headers(),
                ...(withSecret ? { "x-intercom-secret": secret } : {}),
              },
              body: utf8(text),
            }),
      };
    }],
    // Stale and future timestamps, correctly signed.
    [6, (r) => {
      const body = envelope(r);
      const text = JSON.stringify(body);
      const skew = r.pick([-1, 1]) * r.pick([360, 3_600, 86_400, 1e8]);
      const absolute = r.chance(0.15) ? r.pick([0, 1, 999_999_999_999_999]) : undefined;
      return {
        kind: "stale or future timestamp",
        what: absolute !== undefined ? `timestamp ${absolute}` : `clock ${skew} s`,
        expect: "reject",
        status: 401,
        send: () =>
          http("/message", {
            headers: {
              "content-type": "application/json",
              ...signHeaders(key, {
                id: uniqueId("ts"),
                timestamp: absolute ?? Math.max(0, Math.floor(Date.now() / 1000) + skew),
                body: text,
              }),
            },
            body: utf8(text),
          }),
      };
    }],
    // Wrong or missing secret.
    [10, (r) => {
      const body = envelope(r);
      const text = JSON.stringify(body);
      const variants: [string, Record<string, string>][] = [
        ["missing", {}],
        ["empty", { "x-intercom-secret": "" }],
        ["wrong", { "x-intercom-secret": randomSecret() }],
        ["prefix", { "x-intercom-secret": secret.slice(0, -1) }],
        ["suffix", { "x-intercom-secret": `${secret}0` }],
        ["upper case", { "x-intercom-secret": secret.toUpperCase() }],
        ["8 KB", { "x-intercom-secret": "s".repeat(8_192) }],
        ["as Authorization", { authorization: `Bearer ${secret}` }],
        ["as X-Secret", { "x-secret": secret }],
        ["repeated", { "x-intercom-secret": `${secret}, ${secret}` }],
        ["default secret", { "x-intercom-secret": "change-me-in-production" }],
        ["whsec_ form", { "x-intercom-secret": `whsec_${btoa(secret)}` }],
      ];
      const [what, headers] = r.pick(variants);
      const events = r.chance(0.15);
      const query = r.chance(0.1) ? `?secret=${secret}&x-intercom-secret=${secret}` : "";
      return {
        kind: "wrong secret",
        what: `${what}${events ? ", /events" : ""}${query ? ", secret in the query" : ""}`,
        expect: "reject",
        status: 401,
        send: () =>
          events ? http(`/events${query}`, { method: "GET", headers }) : http(`/message${query}`, {
            headers: { "content-type": "application/json", ...headers },
            body: utf8(text),
          }),
      };
    }],
  ];
}
