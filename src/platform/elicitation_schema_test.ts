import assert from "node:assert/strict";
import { test } from "node:test";
import type { jsonSchemaValidator } from "./sdk.ts";
import { ElicitationSchemaValidator } from "./elicitation_schema.ts";

test("ElicitationSchemaValidator checks MCP's flat elicitation schemas", () => {
  const provider: jsonSchemaValidator = new ElicitationSchemaValidator();
  // The loop guard's question: an empty form, answered with an empty object.
  const empty = provider.getValidator({ type: "object", properties: {} });
  assert.equal(empty({}).valid, true);
  assert.equal(empty("yes").valid, false);
  const form = provider.getValidator({
    type: "object",
    properties: {
      name: { type: "string", minLength: 1, maxLength: 5 },
      size: { type: "integer", minimum: 1, maximum: 3 },
      ok: { type: "boolean" },
      color: { type: "string", enum: ["red", "blue"] },
    },
    required: ["name"],
    additionalProperties: false,
  });
  assert.equal(form({ name: "a", size: 2, ok: true, color: "red" }).valid, true);
  for (
    const [answer, why] of [
      [{}, /"name" is required/],
      [{ name: "" }, /"name" has the wrong length/],
      [{ name: "a", size: 2.5 }, /"size" must be an integer/],
      [{ name: "a", size: 9 }, /out of range/],
      [{ name: "a", ok: "yes" }, /"ok" must be true or false/],
      [{ name: "a", color: "green" }, /one of red, blue/],
      [{ name: "a", extra: 1 }, /"extra" is not asked for/],
    ] as const
  ) {
    const r = form(answer);
    assert.equal(r.valid, false);
    assert.match(r.errorMessage!, why);
  }
});

test("ElicitationSchemaValidator refuses any schema outside MCP's subset, saying why", () => {
  const provider = new ElicitationSchemaValidator();
  for (
    const [schema, why] of [
      [{ type: "array" }, /not an object schema/],
      [{ type: "object", properties: { a: { type: "object" } } }, /"a" is not a string/],
      [{ type: "object", properties: { a: { type: "string", pattern: "x" } } }, /uses "pattern"/],
    ] as const
  ) {
    assert.throws(() => provider.getValidator(schema as never), why);
  }
});
