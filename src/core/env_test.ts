import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, flag, positive } from "./env.ts";

test("flag reads yes and no words and names the variable otherwise", () => {
  assert.equal(flag({}, "X"), false);
  assert.equal(flag({ X: " On " }, "X"), true);
  assert.equal(flag({ X: "no" }, "X"), false);
  assert.throws(
    () => flag({ X: "maybe" }, "X"),
    (e) => e instanceof ConfigError && /X "maybe"/.test(e.message),
  );
});

test("positive reads numbers, falls back when unset, and allows 0 only when it turns off", () => {
  assert.equal(positive({}, "N", 7), 7);
  assert.equal(positive({ N: "3" }, "N", 7), 3);
  assert.equal(positive({ N: "0" }, "N", 7, { zeroOff: true }), 0);
  assert.throws(() => positive({ N: "0" }, "N", 7), /N "0" must be a positive integer/);
  assert.throws(() => positive({ N: "1.5" }, "N", 7), /integer/);
  assert.equal(positive({ N: "1.5" }, "N", 7, { integer: false }), 1.5);
});
