-- 003_files.sql (SQLite) -- uploaded files, their signed download links,
-- and the upload confirmations the background job mails.

-- One row per stored file, written only after its encrypted body is
-- durable in the store (so a crash never leaves a listed partial file).
-- `uuid` is the public id; `storage_key` names the object in the store
-- (a fresh UUID, never the user's file name); `wrapped_key` is the file's
-- AES-256-GCM data key wrapped by the master key it names; `receipt` the
-- RFC 3161 TimeStampResp over sha256, base64url; `mount` the portal's
-- path, for the link in the confirmation mail.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    sha1         TEXT NOT NULL,
    storage      TEXT NOT NULL,
    storage_key  TEXT NOT NULL,
    wrapped_key  TEXT NOT NULL,
    receipt      TEXT NOT NULL,
    receipt_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    mount        TEXT NOT NULL DEFAULT '',
    notified_at  INTEGER
);
CREATE INDEX files_user_created ON files(user_id, created_at DESC, id DESC);
CREATE INDEX files_notify ON files(notified_at);

-- Signed download links.  The token itself is not stored: it is an HMAC
-- over (link uuid, file uuid, expiry) under the portal's secret, so the
-- owner's page can show it again and any change to it is detected.
CREATE TABLE file_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid          TEXT NOT NULL UNIQUE,
    file_id       INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    max_downloads INTEGER,
    downloads     INTEGER NOT NULL DEFAULT 0,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX file_links_file ON file_links(file_id);

-- Objects being written to the store.  A row is added before an upload
-- starts writing and removed in the transaction that records the file;
-- rows older than an hour name what a crash or a lost connection left in
-- the store, which the store-cleanup job deletes.
CREATE TABLE store_pending (
    storage_key TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);
