/**
 * The node command's start-up front end: the configuration, then MCP `initialize` answered
 * from stdin before the heavy parts (the MCP SDK, zod, the store, the HTTP listener) load.
 * Everything the session sends is kept and handed, from its first line, to the MCP server once
 * it has loaded ({@linkcode runNode}); only the server's second answer to `initialize` is
 * dropped. This module and what it imports statically stay small: a test checks the bundle.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { loadConfig } from "../app/config.ts";
import { initializeFacts } from "../app/initialize_facts.ts";
import { type Config, ConfigError } from "../node/config.ts";
import { asInitializeRequest, initializeResult } from "../node/initialize.ts";
import { writeTo } from "../platform/log.ts";
import { StdinGate } from "../platform/stdin_gate.ts";
import { VERSION } from "../platform/version.ts";

/** Printed on stderr when a person starts a node in a terminal instead of Claude Code. */
export const TERMINAL_HINT =
  `claude-talkie-walkie ${VERSION} is an MCP server for Claude Code: it speaks
JSON-RPC on stdin/stdout, so what you type here is not read as messages. Add it to a project with
"npx -y claude-talkie-walkie init" and "… init --hooks", then start "claude". "claude-talkie-walkie
--help" lists the commands; Ctrl-C stops this node.
`;

/**
 * How long the front end waits for `initialize` before it loads the rest anyway, in
 * milliseconds: a client writes it at once, and a node without a client still comes up.
 */
const WAIT_FOR_INITIALIZE_MS = 100;

/** What the front end hands to the node once it has loaded. */
export interface FrontEnd {
  /** stdin, read since start; `handOver()` gives it whole to the MCP transport. */
  stdin: StdinGate;
  /** The id of the `initialize` request the front end answered, if it did. */
  answered?: string | number;
}

/** The `initialize` answer for `line`, when it is one the front end may give. */
function answerTo(line: string, config: Config): { id: string | number; text: string } | undefined {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return undefined; // the MCP server reports it
  }
  const request = asInitializeRequest(message);
  if (!request) return undefined;
  try {
    const result = initializeResult(initializeFacts(config), request.params);
    return { id: request.id, text: JSON.stringify({ jsonrpc: "2.0", id: request.id, result }) };
  } catch {
    return undefined; // this machine's registry could not be read: the MCP server answers
  }
}

/**
 * Runs the node command: a bad configuration ends it with code 2 and one line on stderr before
 * anything is answered; otherwise `initialize` is answered as soon as it arrives, then the node
 * loads and serves ({@linkcode runNode}) until stdin ends or a signal arrives.
 */
export async function startNode(args: string[]): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(args, process.env, (p) => readFileSync(p, "utf8"));
  } catch (e) {
    if (e instanceof ConfigError) {
      writeTo(process.stderr, `claude-talkie-walkie: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // A person, not Claude Code, started this node: say what it is before anything else.
  const tty = !!process.stdin.isTTY;
  if (tty) writeTo(process.stderr, TERMINAL_HINT);
  // A client that went away must not crash the process before the node handles it.
  const quiet = () => {};
  process.stdout.on("error", quiet);
  let load!: () => void;
  const loading = new Promise<void>((resolve) => load = resolve);
  const front: FrontEnd = {
    stdin: new StdinGate(process.stdin, (line) => {
      const answer = answerTo(line, config);
      if (!answer) return false;
      front.answered = answer.id;
      writeTo(process.stdout, answer.text + "\n");
      load();
      return true;
    }),
  };
  front.stdin.onEnd(load);
  if (tty) load();
  const timer = setTimeout(load, WAIT_FOR_INITIALIZE_MS);
  await loading;
  clearTimeout(timer);
  // One turn of the event loop: the answer leaves before the rest is compiled.
  await new Promise((resolve) => setImmediate(resolve));
  (await import("../platform/heap.ts")).tuneHeap();
  const { runNode } = await import("./run_node.ts");
  return await runNode(config, front);
}
