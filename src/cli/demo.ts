/**
 * `claude-talkie-walkie demo`: a three-node mesh on loopback, each node driven over stdio by a
 * scripted stand-in for a Claude session that uses the real tools and answers what it
 * receives. Prints the conversation as it flows; stops on Ctrl-C or after `--duration`.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import process from "node:process";
import { Client, StdioClientTransport } from "../platform/sdk.ts";
import { freePort, selfCommand } from "../platform/runtime.ts";
import {
  DEMO_ROLES,
  type DemoAction,
  demoLine,
  NEXT_STEP,
  openerAt,
  replyFor,
  RESTART_NOTE,
} from "./demo_script.ts";
import { ChannelEventSchema } from "../node/channel.ts";

const ChannelEvent = ChannelEventSchema;

/** A running demo mesh. */
export interface DemoMesh {
  /** `name=127.0.0.1:port` for each node, for the viewer. */
  nodes: { name: string; port: number }[];
  secret: string;
  /** Stops the sessions (their nodes exit when stdin closes). */
  close(): Promise<void>;
}

/** Options for {@linkcode startDemo}. */
export interface DemoOptions {
  /** Called with a line for each message a session received. */
  onLine?: (line: string) => void;
  /** Milliseconds between openers (default 4 000). */
  intervalMs?: number;
  /** Called when the scripted conversation starts over, before its first opener again. */
  onRestart?: () => void;
  /** Milliseconds before the first opener (default 0): time for a viewer to start watching. */
  firstOpenerMs?: number;
}

// A time the sender gave, or now when there is none (receipts) or it does not parse.
const clock = (iso?: string) => {
  const at = iso === undefined ? NaN : Date.parse(iso);
  return new Date(Number.isNaN(at) ? Date.now() : at).toTimeString().slice(0, 8);
};

/** Starts the three nodes and their scripted sessions. */
export async function startDemo(options: DemoOptions = {}): Promise<DemoMesh> {
  const secret = randomBytes(24).toString("base64url");
  // The demo's sessions keep their stores in a folder of the demo's own, never the user's.
  const state = mkdtempSync(join(tmpdir(), "talkie-demo-"));
  const ports = await Promise.all(DEMO_ROLES.map(() => freePort()));
  const nodes = DEMO_ROLES.map((name, i) => ({ name, port: ports[i] }));
  const self = selfCommand();
  const clients = new Map<string, Client>();
  let turn = 0;
  const act = async (from: string, action: DemoAction) => {
    const { tool, ...args } = action;
    await clients.get(from)?.callTool({ name: tool, arguments: args }).catch(() => {});
  };

  await Promise.all(nodes.map(async ({ name, port }) => {
    const peers = nodes.filter((n) => n.name !== name).map((n) => `${n.name}=127.0.0.1:${n.port}`);
    const transport = new StdioClientTransport({
      command: self.command,
      args: self.args,
      env: {
        ...process.env as Record<string, string>,
        MY_ROLE: name,
        PEERS: peers.join(","),
        INTERCOM_SECRET: secret,
        INTERCOM_PORT: String(port),
        INTERCOM_HOST: "127.0.0.1",
        INTERCOM_STATE_DIR: join(state, name),
      },
      stderr: "ignore",
    });
    const client = new Client({ name: `demo-${name}`, version: "1" });
    client.setNotificationHandler(ChannelEvent, ({ params }) => {
      const meta = params.meta ?? {};
      const line = demoLine(name, meta, params.content, clock);
      if (line) options.onLine?.(line);
      // Only chat messages get an answer: receipts and reports are not someone talking.
      if (meta.kind !== undefined || !meta.from) return;
      const reply = replyFor(name, meta.from, meta.reply_to !== undefined, turn++);
      if (reply?.tool === "send_message") reply.reply_to = meta.message_id;
      if (reply) setTimeout(() => act(name, reply), 600 + (turn % 3) * 400);
    });
    await client.connect(transport);
    clients.set(name, client);
  }));

  let next = 0;
  const opener = () => {
    const { from, action, restarts } = openerAt(next++);
    if (restarts) options.onRestart?.();
    act(from, action);
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const first = setTimeout(() => {
    opener();
    timer = setInterval(opener, options.intervalMs ?? 4_000);
  }, options.firstOpenerMs ?? 0);
  return {
    nodes,
    secret,
    close: async () => {
      clearTimeout(first);
      clearInterval(timer);
      await Promise.allSettled([...clients.values()].map((c) => c.close()));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** The `demo` command. Resolves to the exit code once stopped. */
export async function demoMain(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string" },
      "no-viewer": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "Usage: claude-talkie-walkie demo [--duration SECONDS] [--no-viewer]\n" +
        "Starts backend, frontend and tester on loopback with scripted sessions and shows\n" +
        "them in the viewer (or prints the conversation when stdout is not a terminal).\n",
    );
    return 0;
  }
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(duration > 0)) {
    process.stderr.write(`demo: --duration "${values.duration}" must be a positive number\n`);
    return 2;
  }
  const viewer = process.stdout.isTTY && !values["no-viewer"];
  let note: ((text: string) => void) | undefined;
  const print = (l: string) => process.stdout.write(`${l}\n`);
  const mesh = await startDemo({
    onLine: viewer ? undefined : print,
    onRestart: () => viewer ? note?.(RESTART_NOTE) : print(RESTART_NOTE),
    // The viewer shows only what happens once it runs: let it start before the first line.
    firstOpenerMs: viewer ? 1_000 : 0,
  });
  const stop = new AbortController();
  const timer = Number.isFinite(duration) ? setTimeout(() => stop.abort(), duration * 1000) : 0;
  try {
    if (viewer) {
      const { viewerMain } = await import("../../viewer/main.ts");
      const targets = mesh.nodes.map((n) => `${n.name}=127.0.0.1:${n.port}`);
      return await viewerMain(targets, { ...process.env, INTERCOM_SECRET: mesh.secret }, {
        signal: stop.signal,
        notes: (add) => {
          note = add;
        },
      });
    }
    process.stdout.write(
      `Mesh up: ${mesh.nodes.map((n) => `${n.name} on 127.0.0.1:${n.port}`).join(", ")}. ` +
        `Ctrl-C stops.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
      stop.signal.addEventListener("abort", () => resolve());
    });
    return 0;
  } finally {
    clearTimeout(timer);
    await mesh.close();
    // After the viewer left its alternate screen, so the line stays in the scrollback.
    process.stdout.write(`${NEXT_STEP}\n`);
  }
}
