/**
 * `claude-talkie-walkie init`: sets up this session's node without editing JSON by hand. Asks
 * in a terminal, takes flags otherwise; writes the `.mcp.json` entry (or prints it, or the
 * `claude mcp add` line) with the secret as `${INTERCOM_SECRET}`, makes a strong secret when
 * none is given, and prints the lines for the other machines. It never replaces an entry without
 * asking (or `--force`) and never prints a secret it did not make.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { openSecretFiles } from "../platform/dirs.ts";
import { networkInterfaces } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { nodeKeyFile, stateDir } from "../store/location.ts";
import { loadNodeKeys } from "../store/node_key_file.ts";
import process from "node:process";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../app/config.ts";
import { findUnexpanded } from "../app/unexpanded.ts";
import { roleFrom } from "../core/names.ts";
import {
  claudeAddLine,
  ExistingEntryError,
  type InitAnswers,
  mergeEntry,
  PACKAGE_SPEC,
  SERVER_NAME,
  serverEntry,
  shareLines,
  shellQuote,
  START_LINE,
  USER_SCOPE_LINE,
} from "./init_entry.ts";
import { HOOK_COMMAND, hookSettings, mergeHooks } from "./init_hooks.ts";

const HELP = `Usage: claude-talkie-walkie init [flags]

Writes this session's talkie-walkie entry into .mcp.json (asks when run in a terminal).
  --user-scope        print the one line for every project on this machine, no questions
  --role NAME         this session's role, e.g. backend
  --peers LIST        name=host[:port] for other machines, bare names for sessions on this one
  --port N|auto       HTTP port (default 8788; auto when every peer is on this machine)
  --secret-file PATH  read the shared secret from this file instead of $INTERCOM_SECRET
  --file PATH         the file to write (default ./.mcp.json)
  --print             print the .mcp.json entry instead of writing it
  --claude-add        print the "claude mcp add" line instead of writing
  --force             replace an existing talkie-walkie entry without asking
  --hooks             add the hook waiters to .claude/settings.json (or --file): every
                      session of this project hears messages without the channel flag;
                      with --print, print them instead
  --command CMD       with --hooks: the waiter's command (default: ${HOOK_COMMAND})
`;

const FLAGS = {
  role: { type: "string" },
  peers: { type: "string" },
  port: { type: "string" },
  "secret-file": { type: "string" },
  file: { type: "string" },
  print: { type: "boolean" },
  "claude-add": { type: "boolean" },
  force: { type: "boolean" },
  "user-scope": { type: "boolean" },
  hooks: { type: "boolean" },
  command: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A strong shared secret: 32 random bytes, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** This machine's first non-internal IPv4 address, as peers elsewhere would reach it. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "THIS-HOST";
}

/** auto when every peer is a bare name (on this machine), else 8788. */
const defaultPort = (peers: string) =>
  peers.trim() !== "" && !peers.includes("=") ? "auto" : "8788";

type Ask = (question: string, fallback: string) => Promise<string>;

/**
 * The questions `init` asks in a terminal. Each, with its default in brackets, fits a terminal
 * of 80 columns; a hint line goes before the question when more needs saying.
 */
export const PROMPTS = {
  oneMachine: "Only sessions on this machine? One line sets up every project (Y/n)",
  role: "This session's role",
  peersHint: "Peers: name=host[:port] on other machines, bare names on this one.",
  peers: "Peers, comma-separated",
  port: "HTTP port (auto: any free port, this machine only)",
} as const;

/** What `init --user-scope` (or a yes to the first question) prints. */
export function userScopeText(): string {
  return [
    "Run this once; it sets up talkie-walkie for every project of this user:",
    "",
    USER_SCOPE_LINE,
    "",
    "Each session is named after its project directory, finds the other sessions",
    "on this machine, and needs no secret (a per-user one is made on first start).",
    "So that every session hears messages as they come, add the hook waiters once:",
    `  npx -y ${PACKAGE_SPEC} init --hooks --file ~/.claude/settings.json`,
    "and start claude as usual. Or start it with the channel flag instead:",
    `  ${START_LINE}`,
  ].join("\n") + "\n";
}

/**
 * A yes/no answer: `y`, `yes`, `n` or `no`, in any case; undefined for anything else (a role
 * name typed at the wrong question must not count as yes).
 */
export function yesNo(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return t === "y" || t === "yes" ? true : t === "n" || t === "no" ? false : undefined;
}

/** Asks `question` until the answer is yes or no (at most 5 times, then no). */
async function askYesNo(ask: Ask, question: string, say: (line: string) => void) {
  for (let i = 0; i < 5; i++) {
    const answer = yesNo(await ask(question, "y"));
    if (answer !== undefined) return answer;
    say("Answer y or n.");
  }
  return false;
}

async function askMissing(
  values: { role?: string; peers?: string; port?: string },
  ask: Ask,
  say: (line: string) => void,
) {
  const guess = roleFrom(basename(process.cwd()));
  const role = values.role ?? await ask(PROMPTS.role, guess);
  let peers = values.peers;
  if (peers === undefined) {
    say(PROMPTS.peersHint);
    peers = await ask(PROMPTS.peers, "");
  }
  const local = peers !== "" && !peers.includes("=");
  const port = values.port ?? await ask(PROMPTS.port, local ? "auto" : "8788");
  return { role: role.trim(), peers: peers.trim(), port: port.trim() };
}

/** Checks the answers the way a node would read them. @throws {ConfigError} */
function validate(answers: InitAnswers): void {
  const args = ["--role", answers.role, "--peers", answers.peers, "--port", answers.port];
  const found = findUnexpanded(args, {});
  if (found.length) throw new ConfigError(`${found[0].where} must be a value, not a placeholder`);
  loadConfig(args, { INTERCOM_SECRET: generateSecret() }, () => "");
}

/** What is wrong with a file, in a few words: a directory, no permission, or the error code. */
function fileProblem(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return code ?? (e as Error).message;
}

/** Runs `init`; resolves to the exit code. */
export async function initMain(args: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const err = (text: string) => process.stderr.write(text);
  let values;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    err(`claude-talkie-walkie init: ${(e as Error).message}: see --help\n`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  if (values["user-scope"]) {
    out(userScopeText());
    return 0;
  }
  if (values.hooks) return initHooks(values, out, err);
  const interactive = process.stdin.isTTY === true;
  if (!interactive && values.role === undefined) {
    err(
      "claude-talkie-walkie init: give --role (and --peers) when not run in a terminal, " +
        "or --user-scope for every project on this machine\n",
    );
    return 2;
  }
  const rl = interactive
    ? createInterface({ input: process.stdin, output: process.stdout })
    : undefined;
  // Ctrl+D ends the input: Node rejects the question with an AbortError, Deno only closes.
  const closed = new Promise<never>((_, reject) =>
    rl?.once(
      "close",
      () => reject(Object.assign(new Error("input closed"), { name: "AbortError" })),
    )
  );
  closed.catch(() => {});
  const ask: Ask = async (question, fallback) =>
    (await Promise.race([
      rl!.question(`${question}${fallback ? ` [${fallback}]` : ""}: `),
      closed,
    ])).trim() || fallback;
  try {
    const asksAll = interactive && values.role === undefined && values.peers === undefined &&
      values.port === undefined && !values.print && !values["claude-add"] && !values.file;
    if (asksAll && await askYesNo(ask, PROMPTS.oneMachine, (line) => out(line + "\n"))) {
      out(userScopeText());
      return 0;
    }
    const answers: InitAnswers = await askMissing(
      interactive ? values : {
        ...values,
        peers: values.peers ?? "",
        port: values.port ?? defaultPort(values.peers ?? ""),
      },
      ask,
      (line) => out(line + "\n"),
    );
    if (values["secret-file"]) answers.secretFile = resolve(values["secret-file"]);
    validate(answers);
    const entry = serverEntry(answers);
    // Notes go to stderr when stdout carries what is to be pasted.
    const printing = values.print || values["claude-add"];
    const note = printing ? err : out;
    if (values["claude-add"]) out(claudeAddLine(entry) + "\n");
    else if (values.print) {
      out(JSON.stringify({ mcpServers: { [SERVER_NAME]: entry } }, null, 2) + "\n");
    } else {
      const file = resolve(values.file ?? ".mcp.json");
      let existing: string | undefined;
      try {
        existing = existsSync(file) ? readFileSync(file, "utf8") : undefined;
      } catch (e) {
        err(`claude-talkie-walkie init: cannot read ${file}: ${fileProblem(e)}\n`);
        return 1;
      }
      let replace = values.force === true;
      if (!replace && existing?.includes(`"${SERVER_NAME}"`) && rl) {
        replace = /^y/i.test(
          await ask(`${file} already has "${SERVER_NAME}". Replace it? (y/N)`, "n"),
        );
      }
      let text: string;
      try {
        text = mergeEntry(existing, entry, replace);
      } catch (e) {
        if (!(e instanceof ExistingEntryError)) throw e;
        err(
          `claude-talkie-walkie init: ${file} was left as it is: ${e.message}` +
            (/not valid JSON/.test(e.message)
              ? "\n"
              : "; use --print, or --force to replace the entry\n"),
        );
        return 1;
      }
      try {
        writeFileSync(file, text);
      } catch (e) {
        err(`claude-talkie-walkie init: cannot write ${file}: ${fileProblem(e)}\n`);
        return 1;
      }
      note(
        `Wrote the "${SERVER_NAME}" server into ${file} (role ${answers.role}, port ${answers.port}).\n`,
      );
    }
    for (const warning of openSecretFiles(answers.secretFile)) err(`warning: ${warning}\n`);
    const secretGiven = answers.secretFile !== undefined ||
      (process.env.INTERCOM_SECRET ?? "").trim() !== "" &&
        !process.env.INTERCOM_SECRET!.includes("${");
    const lines: string[] = [];
    const oneMachine = answers.port === "auto" && answers.secretFile === undefined;
    if (oneMachine) {
      lines.push(
        "No secret to share: the sessions on this machine use a per-user secret,",
        "made by the first node that starts (INTERCOM_SECRET set here wins).",
      );
    } else if (secretGiven) {
      lines.push(
        answers.secretFile
          ? `The secret is read from ${answers.secretFile}; give the other machines the same one.`
          : "INTERCOM_SECRET is set here: use the same value on the other machines (not shown).",
      );
    } else {
      const secret = generateSecret();
      lines.push(
        "A new shared secret was made. Put it in the environment that starts claude (e.g. ~/.profile), here and on every peer, and export it before you run the init lines below (or they make another one):",
        `  export INTERCOM_SECRET=${shellQuote(secret)}`,
      );
    }
    lines.push(
      `So that this project's sessions hear messages as they come: npx -y ${PACKAGE_SPEC} ` +
        "init --hooks, then start claude as usual",
      `(or start with the channel flag instead: ${START_LINE})`,
    );
    // The node key now, so its fingerprint can be given to the peers before the first message.
    const mesh = (process.env.INTERCOM_NATS_URL ?? "").trim()
      ? process.env.INTERCOM_MESH || "talkie"
      : undefined;
    const keyPath = nodeKeyFile(stateDir(process.env), answers.role, mesh);
    const made = loadNodeKeys(keyPath);
    if (made.problem) err(`warning: ${made.problem}\n`);
    else {
      lines.push(
        `This node's key: ${made.keys.fingerprint} (${made.created ? "new, " : ""}${keyPath}).`,
        `Peers may pin it ahead: ${answers.role}=<host>#${made.keys.fingerprint} in their PEERS.`,
      );
    }
    const here = answers.port === "auto" ? undefined : `${lanAddress()}:${answers.port}`;
    const share = shareLines(answers, answers.peers.includes("=") ? here : undefined);
    if (share.length) {
      lines.push(
        oneMachine
          ? "In each peer's project directory on this machine, run:"
          : "On each peer (in its project directory), run:",
        ...share.map((l) => `  ${l}`),
      );
    }
    lines.push(
      `Check everything with: npx -y ${PACKAGE_SPEC} doctor (here, once the peers run)`,
    );
    note(lines.join("\n") + "\n");
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`claude-talkie-walkie init: ${e.message}\n`);
      return 2;
    }
    // Ctrl+D or Ctrl+C at a question: readline rejects it with an AbortError.
    if ((e as Error)?.name === "AbortError") {
      err("\nclaude-talkie-walkie init: cancelled, nothing written\n");
      return 1;
    }
    throw e;
  } finally {
    rl?.close();
  }
}

/** `init --hooks`: the waiters into the project's `.claude/settings.json`, or printed. */
function initHooks(
  values: { file?: string; print?: boolean; command?: string },
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const command = values.command?.trim() || HOOK_COMMAND;
  if (values.print) {
    out(JSON.stringify({ hooks: hookSettings(command) }, null, 2) + "\n");
    return 0;
  }
  const file = resolve(values.file ?? ".claude/settings.json");
  let text: string;
  try {
    text = mergeHooks(existsSync(file) ? readFileSync(file, "utf8") : undefined, command);
  } catch (e) {
    if (!(e instanceof ExistingEntryError)) {
      err(`claude-talkie-walkie init: cannot read ${file}: ${fileProblem(e)}\n`);
      return 1;
    }
    err(`claude-talkie-walkie init: ${file} was left as it is: ${e.message}\n`);
    return 1;
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (e) {
    err(`claude-talkie-walkie init: cannot write ${file}: ${fileProblem(e)}\n`);
    return 1;
  }
  out(
    `Wrote the talkie-walkie waiters (SessionStart and Stop: ${command}) into ${file}.\n` +
      "Start claude as usual: messages wake the session, no channel flag needed. Claude Code " +
      "runs hooks only in a trusted workspace (accept the trust dialog once).\n" +
      `Check with: npx -y ${PACKAGE_SPEC} doctor\n`,
  );
  return 0;
}
