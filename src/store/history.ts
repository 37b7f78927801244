/**
 * Every message in and out of a node, kept in the database: the inbox (`read_messages` and
 * its read state survive a restart), the outcome of each message sent, and a full-text search
 * over both (SQLite FTS5). Text is stored as it arrived and neutralised when it is shown, so
 * what a session reads is the same as what a channel event carries.
 *
 * The full-text index is filled in batches rather than row by row: one index segment for many
 * rows instead of one per transaction roughly halves what a received message costs the store.
 * Rows wait at most {@linkcode INDEX_DELAY_MS} (while the node is busy, a batch at a time), and
 * a search first indexes whatever waits, so a search always sees every message.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { clearTimeout, setTimeout } from "node:timers";
import { byteLength, type Envelope, sessionText } from "../core/envelope.ts";
import type { Inbox, InboxMessage, InboxRead, SearchMatch, SearchOptions } from "../node/inbox.ts";

/** How long a new row waits before the full-text index takes it, in milliseconds. */
export const INDEX_DELAY_MS = 1_000;
/** Most rows one background run of the indexer takes, so it never holds the loop for long. */
const INDEX_BATCH = 256;

/** Outcomes a later report may not lower: `read` and `seen` say more than `delivered`. */
const OUTCOME_RANK = `CASE outcome WHEN 'seen' THEN 3 WHEN 'read' THEN 2 ELSE 1 END`;

/**
 * The FTS5 query for `text`: each word quoted (so no word is an operator), all required, the
 * last one also matching as a prefix. Undefined when `text` has no word.
 *
 * @example
 * ```ts
 * ftsQuery('deploy "staging'); // '"deploy" "staging"*'
 * ```
 */
export function ftsQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return undefined;
  return words.map((w, i) => `"${w}"` + (i === words.length - 1 ? "*" : "")).join(" ");
}

function shortText(text: string, max = 80): string {
  const one = sessionText(text).replace(/\s+/g, " ").trim();
  return one.length > max ? one.slice(0, max - 1) + "…" : one;
}

/** The history of one node: its inbox, what it sent, and the search over both. */
export class History implements Inbox {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #unread: StatementSync;
  readonly #unreadFrom: StatementSync;
  readonly #unreadBefore: StatementSync;
  readonly #markRead: StatementSync;
  readonly #outcome: StatementSync;
  readonly #byId: StatementSync;
  readonly #replies: StatementSync;
  readonly #waiting: StatementSync;
  readonly #indexRows: StatementSync;
  readonly #indexedTo: StatementSync;
  #indexTimer?: ReturnType<typeof setTimeout>;
  #pruned = 0;
  readonly #listeners = new Set<() => void>();
  readonly #batch: () => Promise<void>;

  readonly #onError: (what: string, e: unknown) => void;

  /**
   * The history kept in `db`. `batch` joins writes into one transaction (`Store.batch`; without
   * it each write commits on its own); `onError` hears of a received message it could not keep.
   */
  constructor(
    db: DatabaseSync,
    hooks: {
      batch?: () => Promise<void>;
      onError?: (what: string, e: unknown) => void;
    } = {},
  ) {
    this.#db = db;
    this.#batch = hooks.batch ?? (() => Promise.resolve());
    this.#onError = hooks.onError ?? (() => {});
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO messages (direction, message_id, from_role, to_role, text, reply_to,
         sent_at, at, outcome, read, operator, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#unread = db.prepare(
      "SELECT count(*) AS n FROM messages WHERE direction = 'in' AND read = 0",
    );
    this.#unreadFrom = db.prepare(
      "SELECT count(*) AS n FROM messages WHERE direction = 'in' AND read = 0 AND from_role = ?",
    );
    this.#unreadBefore = db.prepare(
      "SELECT count(*) AS n FROM messages WHERE direction = 'in' AND read = 0 AND at < ?",
    );
    this.#markRead = db.prepare(
      `UPDATE messages SET read = 1 WHERE direction = 'in' AND message_id = ? AND read = 0
       RETURNING message_id, from_role, sent_at, reply_to, text, at`,
    );
    this.#outcome = db.prepare(
      `UPDATE messages SET outcome = ? WHERE direction = 'out' AND message_id = ? AND to_role = ?
       AND (outcome IS NULL OR ${OUTCOME_RANK} <= ?)`,
    );
    this.#byId = db.prepare(
      "SELECT message_id, from_role, to_role, text, reply_to FROM messages WHERE message_id = ? " +
        "ORDER BY id LIMIT 1",
    );
    this.#replies = db.prepare(
      "SELECT message_id, from_role, to_role, text FROM messages WHERE reply_to = ? " +
        "ORDER BY id LIMIT 10",
    );
    this.#waiting = db.prepare(
      `SELECT count(*) AS n, max(id) AS last FROM (SELECT id FROM messages
       WHERE id > (SELECT indexed_to FROM fts_state) ORDER BY id LIMIT ?)`,
    );
    this.#indexRows = db.prepare(
      `INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages
       WHERE id > (SELECT indexed_to FROM fts_state) AND id <= ?`,
    );
    this.#indexedTo = db.prepare("UPDATE fts_state SET indexed_to = ?");
    // Rows a stopped node left unindexed are taken soon after start.
    this.#scheduleIndex();
  }

  /**
   * Adds the rows that wait to the full-text index, oldest first: at most `limit` of them.
   *
   * @returns how many rows were indexed.
   * @throws SQLite's error when the database cannot be written.
   */
  index(limit: number = Number.MAX_SAFE_INTEGER): number {
    const { n, last } = this.#waiting.get(limit) as { n: number; last: number | null };
    if (last === null) return 0;
    this.#indexRows.run(last);
    this.#indexedTo.run(last);
    return Number(n);
  }

  #scheduleIndex(): void {
    if (this.#indexTimer !== undefined) return;
    this.#indexTimer = setTimeout(() => {
      this.#indexTimer = undefined;
      try {
        if (this.index(INDEX_BATCH) === INDEX_BATCH) this.#scheduleIndex();
      } catch (e) {
        this.#onError("index the history for search", e);
      }
    }, INDEX_DELAY_MS);
    (this.#indexTimer as { unref?: () => void }).unref?.();
  }

  /** Stops the background indexer (the database is closing). */
  close(): void {
    clearTimeout(this.#indexTimer);
    this.#indexTimer = undefined;
  }

  /**
   * Keeps a received message (unread). A message already kept (same sender, recipient and id)
   * is left as it is.
   *
   * @throws SQLite's error when the disk is full (see `isFull`) or the database fails.
   */
  add(envelope: Envelope, nowMs: number, operator = false): void {
    let changes: number | bigint;
    try {
      changes = this.#insertRow("in", envelope, {
        at: nowMs,
        outcome: "delivered",
        read: false,
        operator,
      });
    } catch (e) {
      this.#onError("keep a received message", e);
      throw e;
    }
    if (Number(changes) > 0) { for (const listener of [...this.#listeners]) listener(); }
  }

  /** One row of `messages`; its `changes` is 0 when the row was there already. */
  #insertRow(
    direction: "in" | "out",
    envelope: Envelope,
    row: { at: number; outcome: string; read: boolean; operator: boolean },
  ): number | bigint {
    this.#scheduleIndex();
    return this.#insert.run(
      direction,
      envelope.message_id,
      envelope.from,
      envelope.to,
      envelope.message,
      envelope.reply_to ?? null,
      envelope.sent_at,
      row.at,
      row.outcome,
      row.read ? 1 : 0,
      row.operator ? 1 : 0,
      byteLength(envelope.message),
    ).changes;
  }

  /** Joins the writes until the next turn into one transaction (see `Inbox.batch`). */
  batch(): Promise<void> {
    return this.#batch();
  }

  /** Calls `listener` after each received message kept. @returns the function that stops it. */
  onAdd(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keeps a sent message with its first outcome (`delivered`, `queued`, …). */
  sent(envelope: Envelope, outcome: string, nowMs: number): void {
    this.#insertRow("out", envelope, { at: nowMs, outcome, read: true, operator: false });
  }

  /** Records how a sent message ended; `read` and `seen` are never lowered. */
  outcome(messageId: string, to: string, outcome: string): void {
    const rank = outcome === "seen" ? 3 : outcome === "read" ? 2 : 1;
    this.#outcome.run(outcome, messageId, to, rank);
  }

  /** Unread messages, from everyone or from one sender. */
  unread(from?: string): number {
    const row = (from === undefined ? this.#unread.get() : this.#unreadFrom.get(from)) as {
      n: number;
    };
    return Number(row.n);
  }

  /** Unread messages received before `beforeMs`. */
  unreadSince(beforeMs: number): number {
    return Number((this.#unreadBefore.get(beforeMs) as { n: number }).n);
  }

  /**
   * Returns received messages in order and marks them read: all, or only unread ones, from one
   * sender, the newest `limit` of them (default 500).
   */
  read(
    options: { unreadOnly?: boolean; from?: string; limit?: number } = {},
  ): InboxRead {
    const where = ["direction = 'in'"];
    const args: (string | number)[] = [];
    if (options.unreadOnly) where.push("read = 0");
    if (options.from !== undefined) {
      where.push("from_role = ?");
      args.push(options.from);
    }
    args.push(Math.max(0, options.limit ?? 500));
    const rows = this.#db.prepare(
      `SELECT id, message_id, from_role, sent_at, reply_to, text, read, at FROM messages
       WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`,
    ).all(...args) as {
      id: number;
      message_id: string;
      from_role: string;
      sent_at: string;
      reply_to: string | null;
      text: string;
      read: number;
      at: number;
    }[];
    rows.reverse();
    const unread = rows.filter((r) => !r.read).map((r) => r.id);
    if (unread.length) {
      // A full disk must not hide the inbox: the messages are shown and stay unread.
      try {
        this.#db.prepare(
          `UPDATE messages SET read = 1 WHERE id IN (${unread.map(() => "?").join(",")})`,
        ).run(...unread);
      } catch (e) {
        this.#onError("mark messages read", e);
      }
    }
    return {
      messages: rows.map((r) => ({
        message_id: r.message_id,
        from: r.from_role,
        sent_at: r.sent_at,
        ...(r.reply_to ? { reply_to: r.reply_to } : {}),
        text: sessionText(r.text),
        read: r.read === 1,
        received_at: Number(r.at),
      })),
      dropped: this.#pruned,
    };
  }

  /** Marks one received message read (the session answered it); undefined when not unread. */
  markRead(messageId: string): InboxMessage | undefined {
    type Row = {
      message_id: string;
      from_role: string;
      sent_at: string;
      reply_to: string | null;
      text: string;
      at: number;
    };
    let r: Row | undefined;
    try {
      r = this.#markRead.get(messageId) as Row | undefined;
    } catch (e) {
      this.#onError("mark a message read", e);
      return undefined;
    }
    if (!r) return undefined;
    return {
      message_id: r.message_id,
      from: r.from_role,
      sent_at: r.sent_at,
      ...(r.reply_to ? { reply_to: r.reply_to } : {}),
      text: sessionText(r.text),
      read: false,
      received_at: Number(r.at),
    };
  }

  /**
   * Finds messages in and out whose text has every word of `options.query`, newest first.
   *
   * @throws {RangeError} when the query has no word to search for.
   */
  search(options: SearchOptions): SearchMatch[] {
    const match = ftsQuery(options.query);
    if (!match) throw new RangeError("The query has no words to search for");
    this.index();
    const where = ["messages_fts MATCH ?"];
    const args: (string | number)[] = [match];
    if (options.peer !== undefined) {
      where.push("(m.from_role = ? OR m.to_role = ?)");
      args.push(options.peer, options.peer);
    }
    if (options.since !== undefined) {
      where.push("m.at >= ?");
      args.push(options.since);
    }
    args.push(Math.min(100, Math.max(1, options.limit ?? 10)));
    const rows = this.#db.prepare(
      `SELECT m.message_id, m.direction, m.from_role, m.to_role, m.at, m.reply_to, m.outcome,
         snippet(messages_fts, 0, '[', ']', '…', 16) AS snippet
       FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
       WHERE ${where.join(" AND ")} ORDER BY m.at DESC, m.id DESC LIMIT ?`,
    ).all(...args) as {
      message_id: string;
      direction: "in" | "out";
      from_role: string;
      to_role: string;
      at: number;
      reply_to: string | null;
      outcome: string | null;
      snippet: string;
    }[];
    return rows.map((r) => ({
      message_id: r.message_id,
      direction: r.direction,
      from: r.from_role,
      to: r.to_role,
      at: Number(r.at),
      snippet: sessionText(r.snippet).replace(/\s+/g, " "),
      ...(r.reply_to ? { reply_to: r.reply_to } : {}),
      ...(r.direction === "out" && r.outcome ? { outcome: r.outcome } : {}),
      thread: this.#thread(r.message_id, r.reply_to ?? undefined),
    }));
  }

  #thread(id: string, replyTo: string | undefined): SearchMatch["thread"] {
    type Row = { message_id: string; from_role: string; to_role: string; text: string };
    const show = (r: Row) => ({
      message_id: r.message_id,
      from: r.from_role,
      to: r.to_role,
      text: shortText(r.text),
    });
    const before: SearchMatch["thread"] = [];
    const seen = new Set([id]);
    for (let next = replyTo; next && before.length < 10 && !seen.has(next);) {
      seen.add(next);
      const row = this.#byId.get(next) as (Row & { reply_to: string | null }) | undefined;
      if (!row) break;
      before.unshift(show(row));
      next = row.reply_to ?? undefined;
    }
    const after = (this.#replies.all(id) as Row[]).map(show);
    return [...before, ...after];
  }

  /**
   * Deletes messages older than `maxAgeMs`, then the oldest until the text kept is at most
   * `maxBytes`. Returns how many were deleted. Runs in the background, never on the message
   * path.
   */
  prune(nowMs: number, maxAgeMs: number, maxBytes: number): number {
    const unreadBefore = this.unread();
    let deleted = Number(
      this.#db.prepare("DELETE FROM messages WHERE at < ?").run(nowMs - maxAgeMs).changes,
    );
    const total = () =>
      Number(
        (this.#db.prepare("SELECT coalesce(sum(bytes), 0) AS b FROM messages").get() as {
          b: number;
        }).b,
      );
    for (let bytes = total(); bytes > maxBytes; bytes = total()) {
      const n = Number(
        this.#db.prepare(
          "DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT 200)",
        ).run().changes,
      );
      if (n === 0) break;
      deleted += n;
    }
    // A deleted newest row frees its id for the next insert: that row must still be indexed.
    this.#db.exec(
      "UPDATE fts_state SET indexed_to = min(indexed_to, (SELECT coalesce(max(id), 0) FROM messages))",
    );
    this.#pruned += unreadBefore - this.unread();
    return deleted;
  }
}
