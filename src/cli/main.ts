/**
 * The command line: `claude-talkie-walkie [node flags]`, `… viewer …`, `… demo …`,
 * `… init …`, `… doctor …`.
 *
 * @module
 */

import process from "node:process";
import { writeTo } from "../platform/log.ts";
import { VERSION } from "../platform/version.ts";
import { startNode } from "./front.ts";

/** `--help` text of the node command. */
const HELP = `claude-talkie-walkie ${VERSION}
An N-way bridge between Claude Code sessions over the Channels API.

Usage:
  claude-talkie-walkie [flags]           start a node (MCP stdio server + HTTP listener)
  claude-talkie-walkie viewer [nodes…]   watch every node as one office in the terminal
                                         (--web: in a browser on 127.0.0.1)
  claude-talkie-walkie demo [--duration S]  a three-node mesh with scripted sessions
  claude-talkie-walkie init [flags]      write the .mcp.json entry (asks when run in a terminal)
  claude-talkie-walkie doctor [flags]    check this node's config, its peers and Claude Code
  claude-talkie-walkie operator-key [--out PATH]  create the human operator's key pair
  claude-talkie-walkie hook              the hook waiter Claude Code runs (init --hooks)
  claude-talkie-walkie pin [ROLE [FINGERPRINT]]  list or change the pinned node keys

Flags (override the environment):
  --role NAME         this session's role            (MY_ROLE, default developer-a)
  --peers LIST        name=host[:port],… or bare names of nodes on this machine
                                                     (PEERS; REMOTE_HOST for one "remote")
  --port N|auto       HTTP port; auto: a free one, found by role on this machine
                                                     (INTERCOM_PORT, default 8788)
  --host ADDR         bind address                   (INTERCOM_HOST)
  --secret-file PATH  read the shared secret here    (INTERCOM_SECRET)
  -h, --help          this text
  -V, --version       the version

Broker mode (instead of PEERS; the node connects outward only):
  INTERCOM_NATS_URL       nats://host:4222 or tls://…, several separated by commas
  INTERCOM_NATS_CREDS     creds file, or INTERCOM_NATS_USER + _PASSWORD, or _TOKEN
  INTERCOM_MESH           subject prefix shared by the sessions (default talkie)
  INTERCOM_NATS_DURABLE   1: messages for an offline role wait in JetStream

Human operator (see operator-key):
  INTERCOM_OPERATOR_KEY   ed25519:… public key: relay permission prompts to the viewer
  INTERCOM_PROMPT_TIMEOUT seconds a permission prompt stays pending (default 600)

A node speaks MCP on stdin/stdout; logs go to stderr. See the README for .mcp.json setups.
`;

/** Entry point: dispatches on the first argument. Resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "hook") {
    const { hookMain } = await import("./hook.ts");
    return await hookMain(rest);
  }
  if (command === "viewer") {
    const { viewerMain } = await import("../../viewer/main.ts");
    return await viewerMain(rest, process.env);
  }
  if (command === "init" || command === "doctor") {
    const run = command === "init"
      ? (await import("./init.ts")).initMain
      : (await import("./doctor.ts")).doctorMain;
    return await run(rest);
  }
  if (command === "operator-key") {
    const { operatorKeyMain } = await import("./operator_key.ts");
    return operatorKeyMain(rest, process.env);
  }
  if (command === "pin") {
    const { pinMain } = await import("./pin.ts");
    return await pinMain(rest, process.env);
  }
  if (command === "demo") {
    const { demoMain } = await import("./demo.ts");
    return await demoMain(rest);
  }
  // Help and version are not MCP sessions, so they may print to stdout like any CLI.
  if (args.includes("--help") || args.includes("-h")) {
    writeTo(process.stdout, HELP);
    return 0;
  }
  if (args.includes("--version") || args.includes("-V")) {
    writeTo(process.stdout, `${VERSION}\n`);
    return 0;
  }
  return await startNode(args);
}
