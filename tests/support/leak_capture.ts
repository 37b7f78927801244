/**
 * Capturing output and searching it for a secret: the forms a secret could leak in, the
 * search itself, and readers for CLI runs and SSE text whose output goes into the search.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { NodeProcess, SseStream } from "./harness.ts";

/** One captured output: where it came from and its text. */
export interface Captured {
  where: string;
  text: string;
}

/** The forms of a secret that must never appear: itself, base64, base64url, hex, … */
export function forms(secret: string, extra: string[] = []): string[] {
  const bytes = Buffer.from(secret, "utf8");
  return [
    secret,
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    encodeURIComponent(secret),
    ...extra,
  ].filter((f, i, all) => f.length >= 8 && all.indexOf(f) === i);
}

/** Which captured outputs contain which form (compared case-insensitively). */
export function leaks(captured: Captured[], secretForms: string[]): string[] {
  const found: string[] = [];
  for (const { where, text } of captured) {
    const lower = text.toLowerCase();
    for (const form of secretForms) {
      const at = lower.indexOf(form.toLowerCase());
      if (at >= 0) {
        found.push(`${where}: contains ${JSON.stringify(form)} near ${
          JSON.stringify(
            text.slice(Math.max(0, at - 60), at + form.length + 20),
          )
        }`);
      }
    }
  }
  return found;
}

/**
 * Runs `deno run -A main.ts …args` to its end; its stdout and stderr. Tests start many at
 * once on a shared machine, so the bound (against a run that never ends) is wide.
 */
export async function runCli(args: string[], env: Record<string, string>) {
  const child = NodeProcess.spawn({ role: "cli", port: 0, env, args });
  try {
    const exit = await child.waitOutput(30_000);
    return { exit, stdout: child.stdoutLines.join("\n"), stderr: child.stderr };
  } finally {
    await child.stop();
  }
}

/** Reads an SSE response as raw text until `until(text)` or the timeout, then cancels it. */
export async function readSseText(
  response: Response,
  until: (text: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  const stream = new SseStream(response);
  try {
    await stream.until((_, text) => until(text), timeoutMs);
    return stream.text;
  } finally {
    await stream.close();
  }
}
