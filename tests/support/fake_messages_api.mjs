// A small stand-in for the Anthropic Messages API on loopback, for running the real Claude Code
// CLI offline (ANTHROPIC_BASE_URL). It plays two scripted talkie-walkie sessions, told apart by
// the role their MCP instructions name in the system prompt:
// - the asker, on its first prompt, calls send_message to the answerer with a question; when the
//   answer wakes it (a <channel … from="<answerer>"> block), it calls list_peers and ends.
// - the answerer, when a question wakes it, calls send_message back with reply_to.
// Every request and what it answered is appended to the log file as one JSON line.
//
// Usage: node fake_messages_api.mjs <port file> <log file> <asker role> <answerer role>
import { appendFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";

const [portFile, logFile, asker, answerer] = process.argv.slice(2);
const log = (entry) => appendFileSync(logFile, JSON.stringify({ at: Date.now(), ...entry }) + "\n");
let next = 0;
/** The text since the model last spoke, of the request being answered (for the log). */
let lastTail = "";

/** The text of a message's content (string or blocks), tool results included. */
function textOf(content) {
  if (typeof content === "string") return content;
  return (content ?? []).map((b) =>
    b.type === "text"
      ? b.text
      : b.type === "tool_result"
      ? `[tool_result] ${textOf(b.content)}`
      : ""
  ).join("\n");
}

function systemText(system) {
  return typeof system === "string" ? system : (system ?? []).map((b) => b.text ?? "").join("\n");
}

/** What the scripted session answers to this request: text, or one tool call. */
function decide(body) {
  // The MCP instructions sit in the system prompt or in a context message, by version.
  const context = systemText(body.system) + "\n" +
    (body.messages ?? []).map((m) => textOf(m.content)).join("\n");
  // A session whose first turn is a hook's may not have them yet: the blocks name it too.
  const role = /You are \\?"([^"\\]+)\\?" in a talkie-walkie mesh/.exec(context)?.[1] ??
    /<channel source="talkie-walkie" [^>]*\bto="([^"]+)"/.exec(context)?.[1];
  const tools = (body.tools ?? []).map((t) => t.name);
  // What came since the model last spoke: the prompt, tool results, hook notifications (Claude
  // Code may end the list with a system message of its own).
  const messages = body.messages ?? [];
  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
  const tail = messages.slice(lastAssistant + 1);
  const lastText = tail.map((m) => textOf(m.content)).join("\n");
  lastTail = lastText;
  const all = messages.filter((m) => m.role === "assistant").map((m) => JSON.stringify(m.content))
    .join("\n");
  const send = tools.find((t) => /talkie-walkie__send_message$/.test(t));
  const peers = tools.find((t) => /talkie-walkie__list_peers$/.test(t));
  if (!role || !send) return { text: "ok", role };
  const lastIsToolResult = tail.some((m) =>
    Array.isArray(m.content) && m.content.some((b) => b.type === "tool_result")
  );
  if (role === answerer) {
    const question = [...lastText.matchAll(
      new RegExp(`<channel source="talkie-walkie" from="${asker}"[^>]*message_id="([^"]+)"`, "g"),
    )].at(-1);
    if (question && !lastIsToolResult) {
      return {
        role,
        tool: send,
        input: { to: asker, message: "6 times 7 is 42.", reply_to: question[1] },
      };
    }
    return { role, text: "Answered." };
  }
  if (role === asker) {
    const answer = new RegExp(`<channel source="talkie-walkie" from="${answerer}"`).test(lastText);
    if (answer && !lastIsToolResult) return { role, tool: peers, input: {} };
    if (lastIsToolResult && /\[tool_result\][^]*Peers:/.test(lastText)) {
      return { role, text: `${answerer} answered; list_peers says: done.` };
    }
    if (!/tool_use/.test(all) && new RegExp(`ask ${answerer}`, "i").test(lastText)) {
      return {
        role,
        tool: send,
        input: { to: answerer, message: "What is 6 times 7?" },
      };
    }
    return { role, text: "Waiting for the answer." };
  }
  return { role, text: "ok" };
}

function sse(res, events) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const [event, data] of events) {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  res.end();
}

function answer(res, body, reply) {
  const id = `msg_fake_${++next}`;
  const model = body.model ?? "claude-fake";
  const usage = { input_tokens: 10, output_tokens: 5 };
  const block = reply.tool
    ? { type: "tool_use", id: `toolu_fake_${next}`, name: reply.tool, input: reply.input }
    : { type: "text", text: reply.text };
  const stop = reply.tool ? "tool_use" : "end_turn";
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({
      id,
      type: "message",
      role: "assistant",
      model,
      content: [block],
      stop_reason: stop,
      stop_sequence: null,
      usage,
    }));
    return;
  }
  const start = reply.tool ? { ...block, input: {} } : { type: "text", text: "" };
  const delta = reply.tool
    ? { type: "input_json_delta", partial_json: JSON.stringify(reply.input) }
    : { type: "text_delta", text: reply.text };
  sse(res, [
    ["message_start", {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    }],
    ["content_block_start", { type: "content_block_start", index: 0, content_block: start }],
    ["content_block_delta", { type: "content_block_delta", index: 0, delta }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ["message_delta", {
      type: "message_delta",
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: 5 },
    }],
    ["message_stop", { type: "message_stop" }],
  ]);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const path = req.url ?? "";
    if (req.method !== "POST" || !path.startsWith("/v1/messages")) {
      log({ path, method: req.method });
      res.writeHead(path.startsWith("/v1/messages") ? 405 : 404, {
        "content-type": "application/json",
      });
      res.end("{}");
      return;
    }
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch { /* empty */ }
    if (path.startsWith("/v1/messages/count_tokens")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ input_tokens: 100 }));
      return;
    }
    const reply = decide(body);
    log({
      path,
      role: reply.role,
      tools: (body.tools ?? []).map((t) => t.name).filter((n) => /talkie/.test(n)),
      last: lastTail.slice(-4000),
      reply,
    });
    if (process.env.FAKE_API_DUMP) {
      appendFileSync(process.env.FAKE_API_DUMP, JSON.stringify(body) + "\n");
    }
    answer(res, body, reply);
  });
});
server.listen(0, "127.0.0.1", () => writeFileSync(portFile, String(server.address().port)));
