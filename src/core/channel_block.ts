/**
 * The text of one channel event as the model reads it:
 * `<channel source="talkie-walkie" from="…" message_id="…">\ntext\n</channel>`, the way Claude
 * Code shows a `notifications/claude/channel` event (claude-channels §2: `source` first, then the
 * meta attributes, values XML-escaped). A hook waiter prints exactly this on stderr, so a
 * message reads the same whichever path brought it. The content is the event's own, already
 * neutralised (`sessionText`); only attribute values are escaped here.
 *
 * Pure.
 *
 * @module
 */

/** The `source` attribute: the server's key in `.mcp.json`. */
export const CHANNEL_SOURCE = "talkie-walkie";

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * One `<channel>` block for an event's `content` and `meta` (flat string to string; keys that are
 * not identifiers are left out, as Claude Code drops them).
 *
 * @example
 * ```ts
 * channelBlock({ content: "hi", meta: { from: "backend", message_id: "m1" } });
 * // '<channel source="talkie-walkie" from="backend" message_id="m1">\nhi\n</channel>'
 * ```
 */
export function channelBlock(
  event: { content: string; meta: Record<string, string> },
  source: string = CHANNEL_SOURCE,
): string {
  const attributes = Object.entries(event.meta)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && key !== "source")
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`).join("");
  return `<channel source="${escapeAttribute(source)}"${attributes}>\n${event.content}\n</channel>`;
}
