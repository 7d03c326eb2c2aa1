-- 007_mail_at_send.sql (PostgreSQL) -- the outbox holds what a message is
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
ALTER TABLE outbox ALTER COLUMN message DROP NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled'));
ALTER TABLE outbox ADD COLUMN to_name TEXT;
ALTER TABLE outbox ADD COLUMN subject TEXT;
ALTER TABLE outbox ADD COLUMN template TEXT;
ALTER TABLE outbox ADD COLUMN data TEXT;
ALTER TABLE outbox ADD COLUMN link_base TEXT;
ALTER TABLE outbox ADD COLUMN user_id BIGINT
    REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN secret TEXT
    CHECK (secret IN ('verify_email', 'reset_password', 'change_password'));
ALTER TABLE outbox ADD COLUMN secret_ref TEXT;
ALTER TABLE outbox ADD COLUMN secret_lifetime BIGINT;
ALTER TABLE outbox ADD COLUMN file_id BIGINT
    REFERENCES files(id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN purged_at BIGINT;
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
