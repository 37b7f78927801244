/**
 * The JSON Schema validator of the npm build. The MCP SDK's `Server` and `Client` build one
 * (Ajv, with ajv-formats: a third of the bundled code) only to check a form elicitation's answer
 * against its `requestedSchema` and a tool result against the tool's `outputSchema`. The node
 * elicits (the loop guard asks the user whether a conversation may go on) and declares no output
 * schema, so the bundle gets this validator instead of Ajv (`scripts/_bundle_trim.ts` puts it in
 * the SDK's `validation/ajv-provider.js`). It checks the restricted schemas MCP allows for an
 * elicitation (a flat object of string, number, integer, boolean and enum properties, with
 * `required`; MCP specification 2025-06-18, "Elicitation", "Requested Schema") and refuses to
 * build a validator for any other schema: nothing is ever accepted unchecked.
 *
 * @module
 */

import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from "./sdk.ts";

type Check = (value: unknown) => string | undefined;

const KNOWN = new Set([
  "type",
  "title",
  "description",
  "default",
  "enum",
  "enumNames",
  "minLength",
  "maxLength",
  "format",
  "minimum",
  "maximum",
]);

/** The check of one primitive property, or the reason its schema is outside MCP's subset. */
function propertyCheck(name: string, schema: Record<string, unknown>): Check | string {
  const unknown = Object.keys(schema).find((k) => !KNOWN.has(k));
  if (unknown) return `property "${name}" uses "${unknown}"`;
  const { type, enum: allowed, minLength, maxLength, minimum, maximum } = schema as {
    type?: unknown;
    enum?: unknown[];
    minLength?: number;
    maxLength?: number;
    minimum?: number;
    maximum?: number;
  };
  const bounds = (n: number, what: string) =>
    (minimum !== undefined && n < minimum) || (maximum !== undefined && n > maximum)
      ? `${what} is out of range`
      : undefined;
  const kinds: Record<string, Check> = {
    string: (v) =>
      typeof v !== "string"
        ? "must be a string"
        : (minLength !== undefined && v.length < minLength) ||
            (maxLength !== undefined && v.length > maxLength)
        ? "has the wrong length"
        : allowed && !allowed.includes(v)
        ? `must be one of ${allowed.join(", ")}`
        : undefined,
    number: (v) => typeof v !== "number" ? "must be a number" : bounds(v, "the number"),
    integer: (v) => Number.isInteger(v) ? bounds(v as number, "the integer") : "must be an integer",
    boolean: (v) => typeof v !== "boolean" ? "must be true or false" : undefined,
  };
  const check = typeof type === "string" ? kinds[type] : undefined;
  if (!check) return `property "${name}" is not a string, number, integer or boolean`;
  return (value) => {
    const problem = check(value);
    return problem && `"${name}" ${problem}`;
  };
}

/**
 * A `jsonSchemaValidator` (the SDK's provider interface) for MCP's elicitation schemas.
 *
 * @example
 * ```ts
 * import { ElicitationSchemaValidator } from "./elicitation_schema.ts";
 * const check = new ElicitationSchemaValidator().getValidator({ type: "object", properties: {} });
 * check({}).valid; // true
 * check("yes").valid; // false
 * ```
 */
export class ElicitationSchemaValidator implements jsonSchemaValidator {
  /**
   * A validator for `schema`, a flat object schema of primitive properties.
   *
   * @throws {Error} for any other schema (this build carries no general JSON Schema validator).
   */
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const s = (typeof schema === "object" && schema !== null ? schema : {}) as Record<
      string,
      unknown
    >;
    const properties = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
    const checks = new Map<string, Check>();
    let problem = s.type !== "object" ? "it is not an object schema" : undefined;
    for (const [name, property] of Object.entries(properties)) {
      const check = typeof property === "object" && property !== null
        ? propertyCheck(name, property)
        : `property "${name}" has no schema`;
      if (typeof check === "string") problem ??= check;
      else checks.set(name, check);
    }
    if (problem) {
      throw new Error(
        `Cannot validate against this JSON Schema (${problem}): claude-talkie-walkie checks only ` +
          "the flat object schemas MCP allows for an elicitation",
      );
    }
    const required = Array.isArray(s.required) ? s.required.map(String) : [];
    const closed = s.additionalProperties === false;
    return (input) => {
      const fail = (errorMessage: string) => ({
        valid: false as const,
        data: undefined,
        errorMessage,
      });
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return fail("the answer must be an object");
      }
      const value = input as Record<string, unknown>;
      const missing = required.find((k) => !(k in value));
      if (missing) return fail(`"${missing}" is required`);
      for (const [k, v] of Object.entries(value)) {
        const check = checks.get(k);
        if (!check) {
          if (closed) return fail(`"${k}" is not asked for`);
          continue;
        }
        const wrong = check(v);
        if (wrong) return fail(wrong);
      }
      return { valid: true, data: input as T, errorMessage: undefined };
    };
  }
}
