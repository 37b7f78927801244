/**
 * The JSON Schema validator of the npm build. The MCP SDK's `Server` and `Client` build one
 * (Ajv, with ajv-formats: a third of the bundled code) only to check a form elicitation's answer
 * against its `requestedSchema` and a tool result against the tool's `outputSchema`. The node
 * does neither: it elicits nothing, and its tools declare no output schema. So the bundle gets
 * this refusal instead of Ajv (`scripts/_bundle_trim.ts` puts it in the SDK's
 * `validation/ajv-provider.js`): whatever would validate fails with a clear error rather than
 * accepting a value unchecked.
 *
 * @module
 */

import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from "./sdk.ts";

/**
 * A `jsonSchemaValidator` (the SDK's provider interface) that validates nothing: asking it for a
 * validator throws. The SDK's `Server.elicitInput` turns that into an `McpError` (internal
 * error) naming this message; `Client.listTools` rejects when a tool declares an `outputSchema`.
 *
 * @example
 * ```ts
 * import { RefusingJsonSchemaValidator } from "./json_schema_refusal.ts";
 * try {
 *   new RefusingJsonSchemaValidator().getValidator({ type: "object" });
 * } catch (error) {
 *   console.error((error as Error).message); // Cannot validate against a JSON Schema: …
 * }
 * ```
 */
export class RefusingJsonSchemaValidator implements jsonSchemaValidator {
  /**
   * Refuses to build a validator.
   *
   * @param schema the JSON Schema (draft 2020-12) a value would be checked against.
   * @throws {Error} always: this build carries no JSON Schema validator.
   */
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const type = typeof schema?.type === "string" ? ` (type "${schema.type}")` : "";
    throw new Error(
      `Cannot validate against a JSON Schema${type}: this build of claude-talkie-walkie ` +
        "carries no JSON Schema validator (it elicits no input and calls no tool with an " +
        "output schema)",
    );
  }
}
