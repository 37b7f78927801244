/**
 * The MCP side of a node: a Claude Code channel server (`experimental["claude/channel"]`) with
 * the tools `send_message`, `broadcast_message` and `list_peers`. Every `recv` on the hub
 * becomes one `notifications/claude/channel` event.
 *
 * Contract: Claude Code's Channels reference (code.claude.com/docs/en/channels-reference) and
 * the contract notes in docs/ARCHITECTURE.md.
 *
 * @module
 */

import { z } from "zod";
import { type CallToolResult, McpServer } from "../platform/sdk.ts";
import type { Hub } from "./hub.ts";
import { Channel, CHANNEL_METHOD } from "./channel.ts";
import { LoopError, type Messenger, type SendResult } from "./messenger.ts";
import type { DeliveryReport } from "./outbox.ts";
import { instructions } from "../core/instructions.ts";

/** What the MCP side needs from the node. */
export interface McpOptions {
  /** This session's role. */
  role: string;
  /** Server version in the initialize result. */
  version: string;
  /** Source of `recv` events and delivery reports. */
  hub: Hub;
  /** Sends for the tools. */
  messenger: Messenger;
  /** Where this node listens, or why it does not (port in use). */
  listening: () => { url?: string; error?: string };
}

const text = (t: string, isError = false): CallToolResult => ({
  content: [{ type: "text", text: t }],
  ...(isError ? { isError: true } : {}),
});

const ms = (n: number) => `${Math.max(1, Math.round(n))} ms`;

const minutes = (msValue: number) =>
  msValue >= 60_000
    ? `${Math.round(msValue / 60_000)} min`
    : msValue >= 10_000
    ? `${Math.round(msValue / 1000)} s`
    : `${(msValue / 1000).toFixed(1)} s`;

/** One line describing what happened to a message at one peer. */
function describeResult(r: SendResult): string {
  const o = r.outcome;
  const where = `"${r.peer.name}" (${r.peer.url})`;
  switch (o.status) {
    case "delivered":
      return `Delivered to ${where} in ${ms(o.latencyMs)}`;
    case "stored":
      return `Stored for ${where}, not delivered yet: ${o.reason}. A delivery_report event ` +
        `will say when it is delivered`;
    case "held":
      return `Held for ${where}, not in its session yet: ${o.reason}. No report follows`;
    case "queued":
      return `Queued for ${where}, not delivered yet: ${o.reason}. It is retried for up to ` +
        `${minutes(o.retryWindowMs)}; a delivery_report event will say how it ended`;
    case "refused":
      if (o.local) return `Not sent to ${where}: ${o.reason}`;
      if (o.unauthorized) {
        return `Refused by ${where}: wrong secret (HTTP 401). Every node needs the same ` +
          `INTERCOM_SECRET`;
      }
      return `Refused by ${where}${o.httpStatus ? `: HTTP ${o.httpStatus}` : ""}: ${o.reason}`;
  }
}

/** The channel event content of a delivery report. */
function describeReport(r: DeliveryReport): string {
  if (r.outcome === "read") return `Your message ${r.message_id} to "${r.peer}" was read.`;
  const after = `after ${r.attempts} attempt${r.attempts === 1 ? "" : "s"} and ` +
    `${minutes(r.queuedMs)} waiting`;
  switch (r.outcome) {
    case "delivered":
      return `Your queued message ${r.message_id} to "${r.peer}" was delivered ${after}.`;
    case "held":
      return `Your queued message ${r.message_id} reached "${r.peer}"'s node ${after}; ` +
        `${r.reason ?? "it holds it until its Claude session connects"}.`;
    case "expired":
      return `Your queued message ${r.message_id} to "${r.peer}" expired undelivered ${after}` +
        `${r.reason ? ` (last error: ${r.reason})` : ""}. Send it again if it still matters.`;
    case "refused":
      return `Your queued message ${r.message_id} to "${r.peer}" was refused ${after}: ` +
        `${r.reason}.`;
  }
}

/**
 * Creates the MCP server (the MCP SDK's `McpServer`) and the {@linkcode Channel} that hands
 * received messages to its session. Connect the server to a transport; channel events that
 * arrive before the client sent `notifications/initialized` are held and flushed afterwards.
 *
 * @returns the server, its channel, and a function that detaches it from the hub.
 */
export function createMcpServer(
  options: McpOptions,
): { server: McpServer; channel: Channel; detach: () => void } {
  const { hub, messenger, role } = options;
  const status = messenger.status();
  const server = new McpServer(
    { name: "talkie-walkie", version: options.version },
    {
      capabilities: { experimental: { "claude/channel": {} }, tools: {} },
      instructions: instructions(
        role,
        messenger.peers.map((p) => p.name),
        status.online !== undefined ? status.scope : undefined,
      ),
    },
  );

  const channel = new Channel({
    send: (event) => server.server.notification({ method: CHANNEL_METHOD, params: { ...event } }),
    describeReport,
  });
  const offReport = hub.onReport((r) => channel.report(r));
  const detach = () => {
    offReport();
    channel.close();
  };
  server.server.oninitialized = () => channel.markReady();

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
      user_approved: z.boolean().optional().describe(
        "Only after this tool reported a conversation loop AND the user explicitly agreed in " +
          "this conversation that it may go on",
      ),
    },
  }, async ({ to, message, reply_to, user_approved }) => {
    // A SendError thrown here becomes an isError result with its message (the SDK does that).
    // A client that can ask its user directly (MCP elicitation) does, and then only a human's
    // answer lifts a loop; otherwise user_approved does, as the loop error asks the model to.
    const elicit = server.server.getClientCapabilities()?.elicitation !== undefined;
    const send = (userApproved: boolean) => messenger.send(to, message, reply_to, { userApproved });
    let r;
    try {
      r = await send(!elicit && user_approved === true);
    } catch (e) {
      if (!(e instanceof LoopError) || !elicit) throw e;
      const answer = await server.server.elicitInput({
        message: `talkie-walkie: ${e.message.split(". Ask the user")[0]}. Let "${role}" send ` +
          `this message and go on talking with "${e.peer}"?`,
        requestedSchema: { type: "object", properties: {} },
      });
      if (answer.action !== "accept") {
        return text(`The user did not let this conversation go on: not sent to "${e.peer}"`, true);
      }
      r = await send(true);
    }
    return text(
      `${describeResult(r)}. message_id ${r.envelope.message_id}`,
      r.outcome.status === "refused",
    );
  });

  server.registerTool("broadcast_message", {
    description: `Send one message to every peer of the talkie-walkie mesh (${peerNames}), ` +
      `except those in exclude. Reports each peer's outcome.`,
    inputSchema: {
      message: z.string().describe("The text to send"),
      exclude: z.array(z.string()).optional().describe("Peer roles to leave out"),
    },
  }, async ({ message, exclude }) => {
    const results = await messenger.broadcast(message, exclude ?? []);
    const count = (status: string) => results.filter((r) => r.outcome.status === status).length;
    const delivered = count("delivered");
    const refused = count("refused");
    const head = delivered === results.length
      ? `Delivered to ${results.length === 1 ? "the one peer" : `all ${results.length} peers`}`
      : `Delivered to ${delivered} of ${results.length} peers` +
        ["queued", "stored", "held", "refused"].map((s) => count(s) ? `, ${count(s)} ${s}` : "")
          .join("");
    const lines = results.map((r) => `- ${describeResult(r)}`);
    return text(
      `${head}. message_id ${results[0].envelope.message_id}\n${lines.join("\n")}`,
      refused === results.length,
    );
  });

  server.registerTool("list_peers", {
    description: "List this session's role and address and every peer of the talkie-walkie " +
      "mesh with a live status (online with latency, offline with the reason).",
    inputSchema: {},
  }, async () => {
    const here = options.listening();
    const status = messenger.status();
    const http = here.url ? `listening on ${here.url}` : `NOT listening: ${here.error}`;
    const own = status.problem
      ? `NOT listening: ${status.problem}`
      : status.where
      ? `on ${status.where}; HTTP ${http}`
      : http;
    const lines = [`You are "${role}", ${own}.`];
    if (messenger.peers.length === 0) {
      lines.push("No peers are configured (set PEERS=name=host,…).");
      return text(lines.join("\n"));
    }
    lines.push("Peers:");
    for (const { peer, outcome: o } of await messenger.probeAll()) {
      const status = o.state === "online"
        ? `online (${ms(o.latencyMs)})` +
          (o.role && o.role !== peer.name ? ` as "${o.role}"` : "") +
          (o.authenticated === false
            ? ", but its INTERCOM_SECRET differs: messages will be refused (401)"
            : "")
        : o.state === "wrong_role"
        ? `wrong role: answers as "${o.role}", check PEERS`
        : `offline: ${o.reason}`;
      const q = messenger.queueStats(peer.name);
      const queue = q.queued
        ? `; ${q.queued} queued${q.lastError ? `, last error: ${q.lastError}` : ""}`
        : "";
      lines.push(`- ${peer.name}  ${peer.url}  ${status}${queue}`);
    }
    return text(lines.join("\n"));
  });

  return { server, channel, detach };
}
