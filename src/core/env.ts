/**
 * Reading configuration from environment variables: the {@linkcode Env} map, the error every
 * reader throws, and readers whose messages all name the variable and the fix.
 *
 * @module
 */

/** Environment as a plain map (so tests need no real environment). */
export type Env = Record<string, string | undefined>;

/** Configuration that cannot work; the message names the entry and the fix. */
export class ConfigError extends Error {
  /** Error name. */
  override name = "ConfigError";
}

/**
 * A positive number from the environment, or the default; with `zeroOff`, 0 is allowed (it
 * turns a limit off). @throws {ConfigError} naming the variable.
 */
export function positive(
  env: Env,
  name: string,
  fallback: number,
  { integer = true, zeroOff = false } = {},
): number {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  const ok = (n > 0 || (zeroOff && n === 0)) && Number.isFinite(n) &&
    (!integer || Number.isInteger(n));
  if (!ok) {
    const what = integer ? "integer" : "number";
    throw new ConfigError(
      `${name} "${text}" must be ${
        zeroOff ? `0 (off) or a positive ${what}` : `a positive ${what}`
      }`,
    );
  }
  return n;
}

/**
 * A yes/no variable: unset, `0`, `false`, `no`, `off` are false; `1`, `true`, `yes`, `on` true.
 *
 * @throws {ConfigError} naming the variable for any other value.
 */
export function flag(env: Env, name: string): boolean {
  const text = (env[name] ?? "").trim().toLowerCase();
  if (["", "0", "false", "no", "off"].includes(text)) return false;
  if (["1", "true", "yes", "on"].includes(text)) return true;
  throw new ConfigError(
    `${name} "${env[name]}" must be 1 (or true, yes, on) or 0 (false, no, off)`,
  );
}

/**
 * The PEM text of the file `path` named by the variable `name`, read with `readFile`.
 *
 * @throws {ConfigError} naming the variable when the file cannot be read or holds no PEM block.
 * @example
 * ```ts
 * readPem("INTERCOM_CA", "/etc/ca.pem", () => "-----BEGIN CERTIFICATE-----\n…");
 * ```
 */
export function readPem(name: string, path: string, readFile: (path: string) => string): string {
  let pem: string;
  try {
    pem = readFile(path);
  } catch (e) {
    throw new ConfigError(`Cannot read ${name} "${path}": ${(e as { code?: string }).code ?? e}`);
  }
  if (!pem.includes("-----BEGIN ")) {
    throw new ConfigError(`${name} "${path}" is not a PEM file (no "-----BEGIN" line)`);
  }
  return pem;
}
