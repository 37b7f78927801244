/**
 * The one rule for names: roles, mesh names and message ids. Config, the wire format, broker
 * mode and the viewer all ask here, so a name one part accepts is never refused by another.
 *
 * @module
 */

/** Most characters in a role name. */
export const ROLE_MAX_LENGTH = 64;

/** What a role may look like: 1–64 of ASCII letters, digits, `_`, `.` and `-`. */
export const ROLE_NAME: RegExp = /^[A-Za-z0-9_.-]{1,64}$/;

/** What a message id may look like: 1–128 of letters, digits and `_.:-`. */
export const MESSAGE_ID: RegExp = /^[A-Za-z0-9_.:-]{1,128}$/;

/** What a broker mesh name may look like: it becomes a subject token and part of bucket names. */
export const MESH_NAME: RegExp = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The sender name of messages from the human operator (signed with the operator key): no node
 * may take it, so `from="operator"` is never a peer.
 */
export const OPERATOR_ROLE = "operator";

/** Role names that would collide with the broker's own subjects (`<mesh>.events.<role>`, …). */
export const BROKER_RESERVED_ROLES: readonly string[] = ["events", "inbox"];

/**
 * Why `name` cannot be a role, or `undefined` when it can. The text completes a sentence that
 * starts with what was checked, e.g. `MY_ROLE "x" ` + problem.
 *
 * @example
 * ```ts
 * roleProblem("backend"); // undefined
 * roleProblem("a b"); // 'may only contain ASCII letters, digits, "_", "." and "-"'
 * ```
 */
export function roleProblem(name: string): string | undefined {
  if (name === "") return 'is empty: give a name like "backend"';
  if (name.length > ROLE_MAX_LENGTH) {
    return `is ${name.length} characters long, over the limit of ${ROLE_MAX_LENGTH}`;
  }
  if (!ROLE_NAME.test(name)) return 'may only contain ASCII letters, digits, "_", "." and "-"';
  if (name.toLowerCase() === OPERATOR_ROLE) {
    return 'is reserved for the human operator: choose another name, e.g. "ops"';
  }
  return undefined;
}

/**
 * Why `name` cannot be a role in broker mode, where it is also a NATS subject token, or
 * `undefined` when it can.
 */
export function brokerRoleProblem(name: string): string | undefined {
  const problem = roleProblem(name);
  if (problem) return problem;
  if (name.includes(".")) {
    return `cannot be used in broker mode: NATS subjects use "." as a separator; ` +
      `use "${name.replaceAll(".", "-")}"`;
  }
  if (BROKER_RESERVED_ROLES.includes(name)) {
    return `cannot be used in broker mode: the name is reserved; use "${name}-1"`;
  }
  return undefined;
}

/**
 * A valid role made from any name, such as a project directory's (`My App` → `My-App`): every
 * run of characters the rule refuses becomes one `-`, cut to the length limit; a name with
 * nothing left, or the operator's, becomes `session`.
 *
 * @example
 * ```ts
 * roleFrom("api"); // "api"
 * roleFrom("my app (copy)"); // "my-app-copy"
 * ```
 */
export function roleFrom(name: string): string {
  const role = name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, ROLE_MAX_LENGTH).replace(/[-.]+$/, "");
  return role === "" || roleProblem(role) ? "session" : role;
}

/**
 * `base` when no one uses it, else `base-2`, `base-3`, … (the first free one), each within the
 * length limit.
 *
 * @example
 * ```ts
 * uniqueRole("api", ["api", "api-2"]); // "api-3"
 * ```
 */
export function uniqueRole(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2;; n++) {
    const suffix = `-${n}`;
    const role = base.slice(0, ROLE_MAX_LENGTH - suffix.length) + suffix;
    if (!used.has(role)) return role;
  }
}
