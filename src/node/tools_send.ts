/**
 * The sending tools: `send_message` and `broadcast_message`.
 *
 * @module
 */

import * as z from "zod";
import { describeResult, text } from "./describe.ts";
import { LoopError } from "./messenger.ts";
import { type ToolContext, unreadLine } from "./tool_context.ts";

/** Registers `send_message` and `broadcast_message`. */
export function registerSendTools(ctx: ToolContext): void {
  const { server, messenger, role, channel, session } = ctx;
  const names = messenger.peers.map((p) => p.name).join(", ");
  const peerNames = names || "no peers configured yet";
  // Broker meshes learn their peers later; an empty list must not read "one of none".
  const toText = names ? `one of ${names}` : "the role of a peer (see list_peers)";

  server.registerTool("send_message", {
    description: `Send a message to one peer Claude session of the talkie-walkie mesh ` +
      `(not Claude Code's built-in SendMessage). to: ${toText}; may be omitted ` +
      `when there is only one peer. To answer a message, use its from attribute as to ` +
      `and its message_id as reply_to.`,
    inputSchema: {
      to: z.string().optional().describe(names ? `Peer role: ${names}` : "Peer role"),
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
    session.lastToolAt = Date.now();
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
    // Answering a message is reading it: its sender's node hears so.
    const answered = reply_to ? channel.inbox.markRead(reply_to) : undefined;
    if (answered) messenger.sendReceipts([answered]);
    return text(
      `${describeResult(r)}. message_id ${r.envelope.message_id}${unreadLine(session)}`,
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
    session.lastToolAt = Date.now();
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
      `${head}. message_id ${results[0].envelope.message_id}\n${lines.join("\n")}` +
        unreadLine(session),
      refused === results.length,
    );
  });
}
