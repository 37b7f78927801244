/**
 * The database's schema, as an ordered list of migrations: migration `n` (1-based) brings a
 * database from `PRAGMA user_version` `n - 1` to `n`. A released migration is never edited;
 * a change is a new entry at the end.
 *
 * @module
 */

/** The migrations, oldest first. */
export const MIGRATIONS: readonly string[] = [
  // 1: history (every message in and out, with its outcome and read state) and its full-text
  // index, the persistent outbox, and remembered ids with an expiry index.
  `
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    message_id TEXT NOT NULL,
    from_role TEXT NOT NULL,
    to_role TEXT NOT NULL,
    text TEXT NOT NULL,
    reply_to TEXT,
    sent_at TEXT NOT NULL,
    at INTEGER NOT NULL,
    outcome TEXT,
    read INTEGER NOT NULL DEFAULT 0,
    operator INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX messages_key ON messages (direction, from_role, to_role, message_id);
  CREATE INDEX messages_unread ON messages (from_role) WHERE direction = 'in' AND read = 0;
  CREATE INDEX messages_at ON messages (at);
  CREATE INDEX messages_id ON messages (message_id);
  CREATE INDEX messages_reply ON messages (reply_to) WHERE reply_to IS NOT NULL;
  CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    peer TEXT NOT NULL,
    address TEXT NOT NULL,
    envelope TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL
  );
  CREATE TABLE ids (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    digest TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
  CREATE INDEX ids_expiry ON ids (expires_at);
  `,
  // 2: pins, the node key each role was first seen signing with (trust on first use).
  `
  CREATE TABLE pins (
    role TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    pinned_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 3: the full-text index is filled in batches, off the message path (History.index): rows up
  // to fts_state.indexed_to are in it, and only those are taken out of it when deleted.
  `
  DROP TRIGGER messages_ai;
  DROP TRIGGER messages_ad;
  CREATE TABLE fts_state (indexed_to INTEGER NOT NULL);
  INSERT INTO fts_state SELECT coalesce(max(id), 0) FROM messages;
  CREATE TRIGGER messages_ad AFTER DELETE ON messages
  WHEN old.id <= (SELECT indexed_to FROM fts_state) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  `,
];

/** The schema version this code writes: the number of migrations. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;
