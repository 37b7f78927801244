/**
 * The MCP side of a node: a Claude Code channel server (`experimental["claude/channel"]`) with
 * the tools `send_message`, `broadcast_message` and `list_peers`. Every `recv` on the hub
 * becomes one `notifications/claude/channel` event.
 *
 * Contract: Claude Code's Channels reference (code.claude.com/docs/en/channels-reference) and
 * ../shared/reference/claude-channels.md.
 *
 * @module
 */

import { z } from "zod";
import { type CallToolResult, McpServer } from "./_sdk.ts";
import type { Hub, HubRecord } from "./hub.ts";
import { type Messenger, SendError, type SendResult } from "./messenger.ts";
import { channelMeta, neutraliseChannelTags } from "./protocol.ts";
import { instructions } from "./instructions.ts";

/** The JSON-RPC method of a channel event. */
export const CHANNEL_METHOD = "notifications/claude/channel";

/** What the MCP side needs from the node. */
export interface McpOptions {
  role: string;
  version: string;
  hub: Hub;
  messenger: Messenger;
  /** Where this node listens, or why it does not (port in use). */
  listening: () => { url?: string; error?: string };
}

const text = (t: string, isError = false): CallToolResult => ({
  content: [{ type: "text", text: t }],
  ...(isError ? { isError: true } : {}),
});

const ms = (n: number) => `${Math.max(1, Math.round(n))} ms`;

/** One line describing what happened to a message at one peer. */
export function describeResult(r: SendResult): string {
  const o = r.outcome;
  const where = `"${r.peer.name}" (${r.peer.url})`;
  if (o.ok) return `Delivered to ${where} in ${ms(o.latencyMs)}`;
  switch (o.kind) {
    case "unauthorized":
      return `Refused by ${where}: wrong secret (HTTP 401). Every node needs the same ` +
        `INTERCOM_SECRET`;
    case "unreachable":
      return `Not delivered: ${where} is not reachable (${o.reason}). Is its session running?`;
    case "timeout":
      return `Not delivered: ${where} did not answer (${o.reason}); it may be overloaded or ` +
        `behind a firewall`;
    default:
      return `Refused by ${where}: HTTP ${o.status}: ${o.reason}`;
  }
}

/**
 * Creates the MCP server. Connect it to a transport; channel events that arrive before the
 * client sent `notifications/initialized` are held and flushed in order afterwards.
 *
 * @returns the server and a function that detaches it from the hub.
 */
export function createMcpServer(options: McpOptions): { server: McpServer; detach: () => void } {
  const { hub, messenger, role } = options;
  const server = new McpServer(
    { name: "talkie-walkie", version: options.version },
    {
      capabilities: { experimental: { "claude/channel": {} }, tools: {} },
      instructions: instructions(role, messenger.peers.map((p) => p.name)),
    },
  );

  let ready = false;
  const pending: HubRecord[] = [];
  const push = (record: HubRecord) => {
    const e = record.envelope;
    server.server.notification({
      method: CHANNEL_METHOD,
      params: { content: neutraliseChannelTags(e.message), meta: channelMeta(e) },
    }).catch((err: unknown) => console.error(`[talkie-walkie] channel event lost: ${err}`));
  };
  const detach = hub.subscribe((r) => ready ? push(r) : pending.push(r), ["recv"]);
  server.server.oninitialized = () => {
    ready = true;
    for (const r of pending.splice(0)) push(r);
  };

  const peerNames = messenger.peers.map((p) => p.name).join(", ") || "none configured";

  server.registerTool("send_message", {
    description: `Send a message to one peer Claude session of the talkie-walkie mesh ` +
      `(not Claude Code's built-in SendMessage). to: one of ${peerNames}; may be omitted ` +
      `when there is only one peer. To answer a message, use its from attribute as to ` +
      `and its message_id as reply_to.`,
    inputSchema: {
      to: z.string().optional().describe(`Peer role: ${peerNames}`),
      message: z.string().describe("The text to send"),
      reply_to: z.string().optional().describe("message_id of the message you answer"),
    },
  }, async ({ to, message, reply_to }) => {
    try {
      const r = await messenger.send(to, message, reply_to);
      return text(`${describeResult(r)}. message_id ${r.envelope.message_id}`, !r.outcome.ok);
    } catch (e) {
      if (e instanceof SendError) return text(e.message, true);
      throw e;
    }
  });

  server.registerTool("broadcast_message", {
    description: `Send one message to every peer of the talkie-walkie mesh (${peerNames}), ` +
      `except those in exclude. Reports each peer's outcome.`,
    inputSchema: {
      message: z.string().describe("The text to send"),
      exclude: z.array(z.string()).optional().describe("Peer roles to leave out"),
    },
  }, async ({ message, exclude }) => {
    try {
      const results = await messenger.broadcast(message, exclude ?? []);
      const failed = results.filter((r) => !r.outcome.ok).length;
      const head = failed === 0
        ? `Delivered to all ${results.length} peers`
        : `Delivered to ${results.length - failed} of ${results.length} peers`;
      const lines = results.map((r) => `- ${describeResult(r)}`);
      return text(
        `${head}. message_id ${results[0].envelope.message_id}\n${lines.join("\n")}`,
        failed === results.length,
      );
    } catch (e) {
      if (e instanceof SendError) return text(e.message, true);
      throw e;
    }
  });

  server.registerTool("list_peers", {
    description: "List this session's role and address and every peer of the talkie-walkie " +
      "mesh with a live status (online with latency, offline with the reason).",
    inputSchema: {},
  }, async () => {
    const here = options.listening();
    const own = here.url ? `listening on ${here.url}` : `NOT listening: ${here.error}`;
    const lines = [`You are "${role}", ${own}.`];
    if (messenger.peers.length === 0) {
      lines.push("No peers are configured (set PEERS=name=host,…).");
      return text(lines.join("\n"));
    }
    lines.push("Peers:");
    for (const { peer, outcome: o } of await messenger.probeAll()) {
      const status = o.state === "online"
        ? `online (${ms(o.latencyMs)})`
        : o.state === "wrong_role"
        ? `wrong role: answers as "${o.role}", check PEERS`
        : `offline: ${o.reason}`;
      lines.push(`- ${peer.name}  ${peer.url}  ${status}`);
    }
    return text(lines.join("\n"));
  });

  return { server, detach };
}
