-- 007_mail_at_send.sql (SQLite) -- the outbox holds what a message is
-- made of, not the message: the background job makes the links, codes and
-- attachments when it sends it, so no usable token and no file content is
-- ever stored in the database.  And at most one pending password-reset
-- request per address.

-- An outbox row: the template and its data (nothing secret), the
-- recipient, and what the job adds when it builds the message:
--   secret      'verify_email' or 'reset_password': a link with a new
--               single-use token for user_id (only its hash is stored, in
--               auth_tokens), valid secret_lifetime seconds;
--               'change_password': a new 6-digit code for the pending
--               change whose auth_tokens row is secret_ref (its id_hash:
--               the HMAC of the code, or a placeholder until the first
--               attempt);
--   file_id     the file attached (decrypted from the store at send time);
--   link_base   the absolute URL of the mount point links start with.
-- subject is the subject line with any secret masked, for the admin.
-- message holds the whole message of rows queued before this migration
-- only.  status 'cancelled': a message whose secret was no longer wanted
-- when its turn came (account gone or disabled, code replaced).
-- After PortalMailRetention a sent, failed or cancelled row keeps only
-- the recipient, subject, status, times and error (purged_at is set).
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      INTEGER NOT NULL,
    to_addr         TEXT NOT NULL,
    to_name         TEXT,
    message_id      TEXT NOT NULL,
    subject         TEXT,
    template        TEXT,
    data            TEXT,
    link_base       TEXT,
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    secret          TEXT
                    CHECK (secret IN ('verify_email', 'reset_password',
                                      'change_password')),
    secret_ref      TEXT,
    secret_lifetime INTEGER,
    file_id         INTEGER REFERENCES files(id) ON DELETE SET NULL,
    message         TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed',
                                      'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    sent_at         INTEGER,
    last_error      TEXT,
    purged_at       INTEGER
);
INSERT INTO outbox_new (id, created_at, to_addr, message_id, message, status,
                        attempts, next_attempt_at, claimed_at, sent_at,
                        last_error)
SELECT id, created_at, to_addr, message_id, message, status, attempts,
       next_attempt_at, claimed_at, sent_at, last_error
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_user ON outbox(user_id, secret);
CREATE INDEX outbox_file ON outbox(file_id);
CREATE INDEX outbox_unpurged ON outbox(status) WHERE purged_at IS NULL;

-- Reset requests are deleted once the job has handled them; at most one
-- waits per address (a repeated request adds nothing).
DELETE FROM reset_requests WHERE processed_at IS NOT NULL;
DELETE FROM reset_requests
WHERE id NOT IN (SELECT MIN(id) FROM reset_requests GROUP BY email_lc);
CREATE UNIQUE INDEX reset_requests_one_pending ON reset_requests(email_lc)
    WHERE processed_at IS NULL;
