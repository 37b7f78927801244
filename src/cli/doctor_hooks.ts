/**
 * `doctor`'s look at how this project's Claude Code session will hear messages: the hook
 * waiters (`init --hooks`) in the project's or the user's settings, the workspace trust Claude
 * Code needs before it runs any hook, and whether the installed Claude Code is one where waking
 * a session by an `asyncRewake` hook was measured to work (claude-channels §8).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hasWaiters } from "./init_hooks.ts";
import { PACKAGE_SPEC, START_LINE } from "./init_entry.ts";
import type { Check } from "./doctor_peer.ts";

/** The Claude Code version on which the hook path was measured to work. */
export const HOOKS_MEASURED = "2.1.332";

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** Where waiters are installed for a session in `project`: the settings files that have them. */
export function waiterFiles(project: string, home: string): string[] {
  return [
    join(project, ".claude", "settings.json"),
    join(project, ".claude", "settings.local.json"),
    join(home, ".claude", "settings.json"),
  ].filter((file) => hasWaiters(read(file)));
}

/**
 * Whether Claude Code trusts `project` (`~/.claude.json` `projects[<dir>]
 * .hasTrustDialogAccepted`, set by the trust dialog); undefined when it cannot be told.
 */
export function workspaceTrusted(project: string, home: string): boolean | undefined {
  const text = read(join(home, ".claude.json"));
  if (text === undefined) return undefined;
  try {
    const projects = JSON.parse(text)?.projects ?? {};
    // A parent directory accepted in the dialog covers the projects under it.
    for (let dir = project; dir !== ""; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/")))) {
      if (projects[dir]?.hasTrustDialogAccepted === true) return true;
    }
    return false;
  } catch {
    return undefined;
  }
}

/**
 * The checks of the hook path for a session in `project`.
 *
 * @param claude the installed Claude Code's version (`x.y.z`), when known.
 */
export function checkHooks(
  project: string,
  home: string,
  claude: number[] | undefined,
  atLeast: (a: number[], b: number[]) => boolean,
): Check[] {
  const files = waiterFiles(project, home);
  const flag = `or start claude with the channel flag (${START_LINE})`;
  if (files.length === 0) {
    return [{
      level: "warn",
      text: "path: no hook waiters here, so a session started as plain claude keeps messages in " +
        `its inbox until it calls read_messages: run npx -y ${PACKAGE_SPEC} init --hooks, ` + flag,
    }];
  }
  const checks: Check[] = [];
  const trusted = workspaceTrusted(project, home);
  const measured = HOOKS_MEASURED.split(".").map(Number);
  if (claude && !atLeast(claude, measured)) {
    checks.push({
      level: "warn",
      text: `hooks: claude ${claude.join(".")} is older than ${HOOKS_MEASURED}, where waking a ` +
        'session by an asyncRewake hook was measured: run "claude update"; until then messages ' +
        "wait in the inbox (read_messages)",
    });
  }
  if (trusted === false) {
    checks.push({
      level: "warn",
      text: `path: hook waiters in ${files.join(", ")}, but Claude Code runs no hook in a ` +
        "workspace it does not trust: start claude here once and accept the trust dialog",
    });
    return checks;
  }
  checks.push({
    level: "ok",
    text:
      `path: hooks (waiters in ${files.join(", ")}${
        trusted ? ", workspace trusted" : ""
      }): messages wake the session, no channel flag needed; with the flag as well each ` +
      "message still arrives once",
  });
  return checks;
}
