-- 002_mail_tokens.sql (SQLite) -- verified email, single-use tokens and
-- codes, password-reset requests, and the mail outbox.

-- NULL: the owner has not opened the verification link yet.  Accounts made
-- before this migration are taken as verified.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
UPDATE users SET email_verified_at = created_at;

-- Single-use secrets sent by mail: links (verify_email, reset_password)
-- and 6-digit codes (change_password).  Only their SHA-256 is stored;
-- `data` holds what the secret confirms (the new password hash for a
-- change confirmed by code).
CREATE TABLE auth_tokens (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL
               CHECK (purpose IN ('verify_email', 'reset_password',
                                  'change_password')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    data       TEXT
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id, purpose);
CREATE INDEX auth_tokens_expires ON auth_tokens(expires_at);

-- "Forgot password" requests: queued as they are, whether or not the
-- address has an account, and turned into mail by the background job, so
-- the request itself does the same work either way.
CREATE TABLE reset_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    email_lc     TEXT NOT NULL,
    mount        TEXT NOT NULL,
    ip           TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    processed_at INTEGER
);
CREATE INDEX reset_requests_pending ON reset_requests(processed_at);

-- Every mail the portal sends, written in the same transaction as the
-- change that caused it and delivered by the background job.
-- status: pending -> sending -> sent | failed.  A message found in
-- 'sending' by a later run was interrupted after it may have been handed
-- over: it is marked failed, never sent again.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      INTEGER NOT NULL,
    to_addr         TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
