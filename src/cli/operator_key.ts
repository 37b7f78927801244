/**
 * `claude-talkie-walkie operator-key [--out PATH]`: creates the human operator's Ed25519 key
 * pair. The private key (PKCS#8 PEM, mode 0600) goes to
 * `$XDG_CONFIG_HOME/claude-talkie-walkie/operator.key` (else `~/.config/…`) or `--out`; an
 * existing file is never overwritten. The last stdout line is the public key for every node:
 * `INTERCOM_OPERATOR_KEY=ed25519:<base64>`.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { dirname } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { formatOperatorPublicKey } from "../core/operator_signature.ts";
import { defaultOperatorKeyFile } from "../platform/dirs.ts";

/** Help text of `operator-key`. */
export const OPERATOR_KEY_HELP = `Usage: claude-talkie-walkie operator-key [--out PATH]

Creates the human operator's Ed25519 key pair. The private key is written to
PATH (default $XDG_CONFIG_HOME/claude-talkie-walkie/operator.key, else
~/.config/claude-talkie-walkie/operator.key) with mode 0600; an existing file is
never overwritten. Keep it on the machine where you run the viewer, never on a
machine where a Claude session has a shell. The last line printed is the public
key line to add to every node's environment.
`;

/**
 * Runs `operator-key`.
 *
 * @param args arguments after `operator-key`.
 * @param env environment (`XDG_CONFIG_HOME`).
 * @returns 0 when the key was written, 1 when the file exists or cannot be written, 2 on a
 *   usage error.
 */
export function operatorKeyMain(
  args: string[],
  env: Record<string, string | undefined>,
): number {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`operator-key: ${(e as Error).message}; see --help\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(OPERATOR_KEY_HELP);
    return 0;
  }
  const path = values.out ?? defaultOperatorKeyFile(env);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // "wx": fail when it exists, so a key in use is never replaced by accident.
    writeFileSync(path, pem, { mode: 0o600, flag: "wx" });
  } catch (e) {
    const code = (e as { code?: string }).code;
    process.stderr.write(
      code === "EEXIST"
        ? `operator-key: "${path}" already exists: it is not overwritten; remove it first ` +
          "(every node then needs the new public key) or use --out PATH\n"
        : `operator-key: cannot write "${path}": ${code ?? e}\n`,
    );
    return 1;
  }
  process.stdout.write(
    `Wrote the operator's private key to ${path} (mode 0600).\n` +
      "Add this line to every node's environment (.mcp.json env), then restart them:\n" +
      `INTERCOM_OPERATOR_KEY=${formatOperatorPublicKey(publicKey)}\n`,
  );
  return 0;
}
