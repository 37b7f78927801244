import { test } from "node:test";
import assert from "node:assert/strict";
import type { jsonSchemaValidator } from "./sdk.ts";
import { RefusingJsonSchemaValidator } from "./json_schema_refusal.ts";

test("RefusingJsonSchemaValidator is an SDK validator provider that refuses every schema", () => {
  const provider: jsonSchemaValidator = new RefusingJsonSchemaValidator();
  assert.throws(
    () => provider.getValidator({ type: "object", properties: { ok: { type: "boolean" } } }),
    /^Error: Cannot validate against a JSON Schema \(type "object"\): this build/,
  );
  assert.throws(() => provider.getValidator({}), /^Error: Cannot validate against a JSON Schema:/);
});
