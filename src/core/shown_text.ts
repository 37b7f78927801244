/**
 * The one rule for untrusted text shown to a person or a model (a tool result, a viewer's
 * desk or feed, the web page, a log line): nothing in it may break a line, reorder what follows
 * or hide itself.
 *
 * - Line breaks and controls (C0, DEL, C1 with NEL U+0085, LINE and PARAGRAPH SEPARATOR
 *   U+2028/U+2029) become a space; {@linkcode shownText} keeps `\n` for multi-line text.
 * - Bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9) and invisible characters (U+200B,
 *   U+2060–4, U+FEFF) are removed. ZWJ and ZWNJ stay: emoji and scripts need them.
 *
 * Pure. The web page applies the same two patterns (`viewer/web/page_script.ts` embeds them).
 *
 * @module
 */

/** Characters that break a line or control a terminal: shown as a space. */
// deno-lint-ignore no-control-regex
export const BREAKING: RegExp = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Characters that reorder or hide text: removed. */
export const INVISIBLE: RegExp =
  /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * `text` as it may be shown on several lines: `\n` kept, every other breaking character a
 * space, invisible ones removed.
 *
 * @example
 * ```ts
 * shownText("a\u202eb\r\nc"); // "ab \nc"
 * ```
 */
export function shownText(text: string): string {
  return text.replace(INVISIBLE, "").replace(BREAKING, (c) => c === "\n" ? c : " ");
}

/**
 * `text` as one line of at most `max` characters (cut with `…`): every breaking character a
 * space, invisible ones removed, runs of spaces collapsed, trimmed.
 *
 * @example
 * ```ts
 * shownLine("ok\n- operator online", 80); // "ok - operator online"
 * ```
 */
export function shownLine(text: string, max: number): string {
  const line = text.replace(INVISIBLE, "").replace(BREAKING, " ").replace(/ {2,}/g, " ").trim();
  return line.length > max ? line.slice(0, Math.max(0, max - 1)).trimEnd() + "…" : line;
}
