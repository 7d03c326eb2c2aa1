-- queries.sql -- every named statement the portal prepares.
--
-- Each starts with `-- name: LABEL`.  Placeholders are apr_dbd's: %s for
-- text, %lld for 64-bit integers (PostgreSQL sees the types).  Statements
-- whose SQL differs per dialect are overridden in sql/<dialect>/queries.sql.

-- ---------------------------------------------------------------- schema

-- name: migrate_begin
BEGIN

-- name: migrate_table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)

-- name: migrate_version
SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations

-- name: migrate_record
INSERT INTO schema_migrations (version, name, applied_at)
VALUES (%d, %s, %lld)

-- name: migrate_commit
COMMIT

-- name: migrate_rollback
ROLLBACK

-- name: migrations_applied
SELECT version, name, applied_at FROM schema_migrations ORDER BY version

-- ---------------------------------------------------------------- users

-- name: user_taken
SELECT
    (SELECT COUNT(*) FROM users WHERE username_lc = %s) AS username_taken,
    (SELECT COUNT(*) FROM users WHERE email_lc = %s) AS email_taken

-- name: user_insert
-- The last argument is email_verified_at: NULL until the owner opens the
-- mailed link (or now, when PortalEmailVerification is Off).
INSERT INTO users (uuid, username, username_lc, email, email_lc,
                   password_hash, first_name, last_name, address, role,
                   created_at, password_changed_at, email_verified_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %lld, %lld, %lld)

-- name: user_by_login
SELECT id, uuid, username, email, first_name, password_hash, role,
       email_verified_at, disabled_at
FROM users
WHERE username_lc = %s OR email_lc = %s
ORDER BY CASE WHEN username_lc = %s THEN 0 ELSE 1 END
LIMIT 1

-- name: user_by_email
SELECT id, uuid, username, email, first_name, last_name, email_verified_at,
       disabled_at, last_login_at
FROM users WHERE email_lc = %s

-- name: user_verify_email
UPDATE users SET email_verified_at = %lld
WHERE id = %lld AND email_verified_at IS NULL

-- name: user_by_id
SELECT id, uuid, username, email, password_hash, first_name, last_name,
       address, role, created_at, password_changed_at, last_login_at,
       last_login_ip, prev_login_at, prev_login_ip
FROM users
WHERE id = %lld

-- name: user_record_login
UPDATE users
SET prev_login_at = last_login_at, prev_login_ip = last_login_ip,
    last_login_at = %lld, last_login_ip = %s
WHERE id = %lld

-- name: user_set_password
UPDATE users SET password_hash = %s, password_changed_at = %lld
WHERE id = %lld

-- name: user_upgrade_hash
-- Only replaces the hash that was verified, so a password change that
-- happened meanwhile is not undone.
UPDATE users SET password_hash = %s WHERE id = %lld AND password_hash = %s

-- name: users_count
SELECT COUNT(*) AS n FROM users

-- name: users_list
SELECT uuid, username, email, first_name, last_name, role, created_at,
       last_login_at, disabled_at
FROM users ORDER BY id

-- name: user_by_uuid
-- The account an API token or an admin action names.
SELECT id, uuid, username, email, first_name, last_name, address, role,
       created_at, password_changed_at, email_verified_at, disabled_at,
       last_login_at, last_login_ip, prev_login_at, prev_login_ip
FROM users WHERE uuid = %s

-- name: admin_users
-- /admin: accounts matching a search, by username.  The argument, four
-- times: '' for all, else '%word%': the lower-case word with % _ \
-- escaped.  (Whole-line comments are not part of a query's text.)
SELECT u.uuid, u.username, u.email, u.first_name, u.last_name, u.role,
       u.created_at, u.last_login_at, u.disabled_at, u.email_verified_at,
       (SELECT COUNT(*) FROM files f WHERE f.user_id = u.id) AS files
FROM users u
WHERE %s = '' OR u.username_lc LIKE %s ESCAPE '\'
   OR u.email_lc LIKE %s ESCAPE '\'
   OR lower(u.first_name || ' ' || u.last_name) LIKE %s ESCAPE '\'
ORDER BY u.username_lc
LIMIT %lld OFFSET %lld

-- name: admin_users_count
SELECT COUNT(*) AS n FROM users u
WHERE %s = '' OR u.username_lc LIKE %s ESCAPE '\'
   OR u.email_lc LIKE %s ESCAPE '\'
   OR lower(u.first_name || ' ' || u.last_name) LIKE %s ESCAPE '\'

-- name: admins_active
-- Active admins other than the given account (the last one is kept).
SELECT COUNT(*) AS n FROM users
WHERE role = 'admin' AND disabled_at IS NULL AND id <> %lld

-- name: user_set_role
UPDATE users SET role = %s WHERE id = %lld

-- name: user_disable
UPDATE users SET disabled_at = %lld WHERE id = %lld AND disabled_at IS NULL

-- name: user_enable
UPDATE users SET disabled_at = NULL WHERE id = %lld

-- name: user_delete
DELETE FROM users WHERE id = %lld

-- name: user_delete_unconfirmed
-- An account whose address was never confirmed, replaced by the person
-- an identity provider vouches for (0 rows: it was confirmed meanwhile,
-- or disabled).
DELETE FROM users
WHERE id = %lld AND email_verified_at IS NULL AND disabled_at IS NULL

-- name: user_wipe_unconfirmed
-- An account that has been used without its address ever being confirmed
-- (where confirmation is off), taken over by the person an identity
-- provider vouches for: no password anyone knows, API tokens issued until
-- now refused (arguments: now + 1 so that one issued this very second is
-- too, now, id).  0 rows: confirmed or disabled meanwhile.
UPDATE users SET password_hash = '!', password_changed_at = %lld,
                 email_verified_at = %lld
WHERE id = %lld AND email_verified_at IS NULL AND disabled_at IS NULL

-- name: tokens_delete_user
-- Every mailed link and code of an account (a wiped account's).
DELETE FROM auth_tokens WHERE user_id = %lld

-- name: user_file_keys
SELECT storage_key FROM files WHERE user_id = %lld

-- name: pending_insert_all
-- The objects of a user being deleted, for the store-cleanup job to
-- remove should removing them now fail (created_at 0: due at once).
INSERT INTO store_pending (storage_key, created_at)
SELECT storage_key, 0 FROM files WHERE user_id = %lld

-- name: admins_lock
-- First in an admin action's transaction: locks the active admins' rows
-- (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so
-- that two admins demoting each other at once cannot both pass the
-- last-admin check (admins_active) and leave none.
UPDATE users SET role = role WHERE role = 'admin' AND disabled_at IS NULL

-- ---------------------------------------------------------------- API tokens

-- name: user_for_token
-- The account a bearer token names (its sub), and whether the token's jti
-- was signed out: one round trip per API request.
SELECT u.id, u.uuid, u.username, u.email, u.first_name, u.last_name,
       u.address, u.role, u.password_changed_at, u.disabled_at,
       (SELECT COUNT(*) FROM jwt_revoked r WHERE r.jti = %s) AS revoked
FROM users u WHERE u.uuid = %s

-- name: jwt_revoke
INSERT INTO jwt_revoked (jti, expires_at)
SELECT %s, %lld WHERE NOT EXISTS (SELECT 1 FROM jwt_revoked WHERE jti = %s)

-- name: jwt_revoked_purge
DELETE FROM jwt_revoked WHERE expires_at <= %lld

-- name: bound_links_purge
-- The links the API issued to clients, a day after they expired (an
-- owner's own links stay listed on the file's page).
DELETE FROM file_links WHERE user_id IS NOT NULL AND expires_at <= %lld

-- ---------------------------------------------------------------- sessions

-- name: session_insert
INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at,
                      expires_at, ip, user_agent)
VALUES (%s, %lld, %lld, %lld, %lld, %s, %s)

-- name: session_load
-- A session is alive until its absolute expiry and while it was seen
-- within the idle timeout (the second argument is now - idle timeout).
SELECT s.user_id, s.created_at AS login_at, s.last_seen_at,
       s.expires_at, s.ip AS login_ip,
       u.uuid, u.username, u.email, u.first_name, u.last_name, u.address,
       u.role, u.prev_login_at, u.prev_login_ip
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = %s AND s.expires_at > %lld AND s.last_seen_at > %lld
  AND u.disabled_at IS NULL

-- name: session_touch
UPDATE sessions SET last_seen_at = %lld WHERE id_hash = %s

-- name: session_delete
DELETE FROM sessions WHERE id_hash = %s

-- name: session_delete_others
DELETE FROM sessions WHERE user_id = %lld AND id_hash <> %s

-- name: sessions_purge
DELETE FROM sessions WHERE expires_at <= %lld OR last_seen_at <= %lld

-- name: sessions_delete_user
DELETE FROM sessions WHERE user_id = %lld

-- name: sessions_of_user
-- The live sessions of one user, newest first (arguments: user, now,
-- now - idle timeout).
SELECT id_hash, created_at, last_seen_at, ip, user_agent
FROM sessions
WHERE user_id = %lld AND expires_at > %lld AND last_seen_at > %lld
ORDER BY created_at DESC

-- name: session_delete_of_user
DELETE FROM sessions WHERE id_hash = %s AND user_id = %lld

-- name: sessions_count
SELECT COUNT(*) AS n FROM sessions

-- ---------------------------------------------------------------- tokens

-- name: tx_begin
BEGIN

-- name: tx_commit
COMMIT

-- name: tx_rollback
ROLLBACK

-- name: token_insert
INSERT INTO auth_tokens (id_hash, user_id, purpose, created_at, expires_at,
                         data)
VALUES (%s, %lld, %s, %lld, %lld, %s)

-- name: token_get
SELECT t.user_id, t.expires_at, t.used_at, t.attempts, t.data,
       u.uuid, u.username, u.email, u.first_name, u.last_name,
       u.email_verified_at
FROM auth_tokens t JOIN users u ON u.id = t.user_id
WHERE t.id_hash = %s AND t.purpose = %s

-- name: token_use
-- Single use: of two requests racing with one token, one changes a row.
UPDATE auth_tokens SET used_at = %lld
WHERE id_hash = %s AND used_at IS NULL

-- name: tokens_retire
-- Retire a user's unused tokens of one purpose (a newer one replaces them).
UPDATE auth_tokens SET used_at = %lld
WHERE user_id = %lld AND purpose = %s AND used_at IS NULL

-- name: mail_last_queued
-- When a mail carrying a secret of this purpose was last queued for the
-- account (the token itself is made when the mail is sent), or a token of
-- it issued otherwise: for the cooldown between two such mails.
SELECT MAX(t) AS last FROM (
    SELECT MAX(created_at) AS t FROM auth_tokens
    WHERE user_id = %lld AND purpose = %s
    UNION ALL
    SELECT MAX(created_at) AS t FROM outbox
    WHERE user_id = %lld AND secret = %s) AS q

-- name: code_pending
-- The newest unused confirmation code of a user.
SELECT id_hash, created_at, expires_at, attempts, data FROM auth_tokens
WHERE user_id = %lld AND purpose = %s AND used_at IS NULL
ORDER BY created_at DESC
LIMIT 1

-- name: code_attempt
-- Take one try of a code, in one statement that also checks the limit
-- (the second argument) and that the code is alive: of parallel guesses
-- only as many as there are tries left change a row.
UPDATE auth_tokens SET attempts = attempts + 1
WHERE id_hash = %s AND used_at IS NULL AND attempts < %lld
  AND expires_at > %lld

-- name: code_attempts
SELECT attempts FROM auth_tokens WHERE id_hash = %s

-- name: tokens_purge
DELETE FROM auth_tokens WHERE expires_at <= %lld

-- name: reset_request_insert
-- At most one request waits per address (a unique partial index): a
-- repeated one adds nothing.
INSERT INTO reset_requests (email_lc, mount, ip, created_at)
VALUES (%s, %s, %s, %lld)
ON CONFLICT DO NOTHING

-- name: reset_requests_drop
-- Every waiting request that will not be mailed, in one statement however
-- many there are: no account with the address, a disabled one, or one
-- that has a reset link outstanding (queued, or issued and neither used
-- nor expired) or was mailed one within the cooldown.  Arguments: now,
-- now - cooldown, now - cooldown.
DELETE FROM reset_requests
WHERE NOT EXISTS (
    SELECT 1 FROM users u
    WHERE u.email_lc = reset_requests.email_lc AND u.disabled_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM auth_tokens t
          WHERE t.user_id = u.id AND t.purpose = 'reset_password'
            AND ((t.used_at IS NULL AND t.expires_at > %lld)
                 OR t.created_at > %lld))
      AND NOT EXISTS (
          SELECT 1 FROM outbox o
          WHERE o.user_id = u.id AND o.secret = 'reset_password'
            AND (o.status IN ('pending', 'sending') OR o.created_at > %lld)))

-- name: reset_requests_ready
-- The requests left after reset_requests_drop, oldest first, a batch at a
-- time (the argument).
SELECT r.id, r.mount, u.id AS user_id, u.email, u.first_name
FROM reset_requests r JOIN users u ON u.email_lc = r.email_lc
ORDER BY r.id
LIMIT %lld

-- name: reset_request_take
-- Claim one request (0 rows: another runner has it).
DELETE FROM reset_requests WHERE id = %lld

-- name: reset_user_lock
-- Taken in the transaction that queues a reset mail: two runners on
-- different nodes serialise on the account's row (PostgreSQL; SQLite's
-- BEGIN IMMEDIATE already does), so the check that follows sees the
-- other's mail.
UPDATE users SET email_lc = email_lc WHERE id = %lld

-- name: reset_user_busy
-- Whether the account has a reset link outstanding or was mailed one
-- within the cooldown (reset_requests_drop's test for one account).
-- Arguments: user, now, now - cooldown, user, now - cooldown.
SELECT
    (SELECT COUNT(*) FROM auth_tokens t
     WHERE t.user_id = %lld AND t.purpose = 'reset_password'
       AND ((t.used_at IS NULL AND t.expires_at > %lld)
            OR t.created_at > %lld))
  + (SELECT COUNT(*) FROM outbox o
     WHERE o.user_id = %lld AND o.secret = 'reset_password'
       AND (o.status IN ('pending', 'sending') OR o.created_at > %lld))
    AS n

-- name: reset_requests_purge
DELETE FROM reset_requests WHERE created_at <= %lld

-- ---------------------------------------------------------------- outbox

-- name: outbox_insert
-- What the message is made of (see sql/*/007_mail_at_send.sql): the
-- job builds it when it sends it.
INSERT INTO outbox (created_at, to_addr, to_name, message_id, subject,
                    template, data, link_base, user_id, secret, secret_ref,
                    secret_lifetime, file_id, next_attempt_at)
VALUES (%lld, %s, %s, %s, %s, %s, %s, %s, %lld, %s, %s, %lld, %lld, %lld)

-- name: outbox_interrupted
-- A message left in 'sending' by a run that died may have reached the
-- server: it is never sent again.
UPDATE outbox SET status = 'failed',
    last_error = 'delivery was interrupted; the server may have accepted it'
WHERE status = 'sending' AND claimed_at <= %lld

-- name: outbox_due
SELECT id, to_addr, to_name, message_id, template, data, link_base, user_id,
       secret, secret_ref, secret_lifetime, file_id, message, attempts,
       created_at
FROM outbox
WHERE status = 'pending' AND next_attempt_at <= %lld
ORDER BY id
LIMIT %lld

-- name: outbox_claim
UPDATE outbox SET status = 'sending', claimed_at = %lld,
    attempts = attempts + 1
WHERE id = %lld AND status = 'pending'

-- name: outbox_sent
UPDATE outbox SET status = 'sent', sent_at = %lld, last_error = NULL
WHERE id = %lld

-- name: outbox_retry
UPDATE outbox SET status = 'pending', next_attempt_at = %lld,
    last_error = %s
WHERE id = %lld

-- name: outbox_failed
UPDATE outbox SET status = 'failed', last_error = %s WHERE id = %lld

-- name: outbox_cancel
UPDATE outbox SET status = 'cancelled', last_error = %s WHERE id = %lld

-- name: outbox_set_ref
UPDATE outbox SET secret_ref = %s WHERE id = %lld

-- name: outbox_purge
-- After PortalMailRetention: what a message was made of goes; the
-- recipient, subject, status, times and error stay for the admin.
-- Arguments: now, the cutoff (cast: SQLite binds text, and an expression
-- has no column affinity to compare it as a number).
UPDATE outbox SET to_name = NULL, data = NULL, link_base = NULL,
    secret_ref = NULL, file_id = NULL, message = NULL, purged_at = %lld
WHERE purged_at IS NULL AND status IN ('sent', 'failed', 'cancelled')
  AND COALESCE(sent_at, claimed_at, created_at) <= CAST(%lld AS BIGINT)

-- name: outbox_counts
SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status

-- name: mail_user
-- The account a mail's secret is for, when the job builds the message.
SELECT id, email_lc, disabled_at FROM users WHERE id = %lld

-- name: mail_code_set
-- A change-password code made at send time: the pending change's row
-- takes the new code's HMAC, while it still waits.  Arguments: new
-- id_hash, old id_hash, now.
UPDATE auth_tokens SET id_hash = %s
WHERE id_hash = %s AND purpose = 'change_password' AND used_at IS NULL
  AND expires_at > %lld

-- name: mail_file
-- The file attached to an upload confirmation, read when it is sent.
SELECT uuid, name, size, content_type, storage_key, wrapped_key
FROM files WHERE id = %lld

-- ---------------------------------------------------------------- jobs

-- name: job_record
INSERT INTO job_runs (name, runs, last_run_at, last_ok_at, last_result,
                      last_error)
VALUES (%s, 1, %lld, %lld, %s, %s)
ON CONFLICT (name) DO UPDATE SET
    runs = job_runs.runs + 1,
    last_run_at = excluded.last_run_at,
    last_ok_at = COALESCE(excluded.last_ok_at, job_runs.last_ok_at),
    last_result = excluded.last_result,
    last_error = excluded.last_error

-- name: job_runs
SELECT name, runs, last_run_at, last_ok_at, last_result, last_error
FROM job_runs ORDER BY name

-- ---------------------------------------------------------------- files

-- name: file_insert
INSERT INTO files (uuid, user_id, name, size, content_type, sha256, sha1,
                   storage, storage_key, wrapped_key, receipt, receipt_at,
                   created_at, mount)
VALUES (%s, %lld, %s, %lld, %s, %s, %s, %s, %s, %s, %s, %lld, %lld, %s)

-- name: files_of_user
SELECT uuid, name, size, content_type, sha256, created_at FROM files
WHERE user_id = %lld
ORDER BY created_at DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: files_count_user
SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM files
WHERE user_id = %lld

-- name: file_of_user
SELECT id, uuid, name, size, content_type, sha256, sha1, storage,
       storage_key, wrapped_key, receipt, receipt_at, created_at, audience,
       public_links
FROM files WHERE uuid = %s AND user_id = %lld

-- name: file_rename
UPDATE files SET name = %s WHERE uuid = %s AND user_id = %lld

-- name: file_delete
DELETE FROM files WHERE id = %lld AND user_id = %lld

-- name: file_publish
UPDATE files SET audience = %s, public_links = %d WHERE id = %lld

-- name: file_shares_clear
DELETE FROM file_shares WHERE file_id = %lld

-- name: file_share_add
-- A named client (by username or email, lower case): 0 rows when there
-- is no such active client account.
INSERT INTO file_shares (file_id, user_id)
SELECT %lld, id FROM users
WHERE (username_lc = %s OR email_lc = %s) AND role = 'client'
  AND NOT EXISTS (SELECT 1 FROM file_shares s
                  WHERE s.file_id = %lld AND s.user_id = users.id)

-- name: file_shares_of
SELECT u.username FROM file_shares s JOIN users u ON u.id = s.user_id
WHERE s.file_id = %lld ORDER BY u.username_lc

-- name: files_for_client
-- What operations published to a client: to every client, or to it; with
-- the number of them all on every row (a page past the end has no row:
-- files_for_client_count then).  What a disabled account published is
-- hidden from clients while it is disabled (here, in the count and in
-- file_for_client).
SELECT f.uuid, f.name, f.size, f.content_type, f.sha256, f.created_at,
       u.username AS owner, COUNT(*) OVER () AS total
FROM files f JOIN users u ON u.id = f.user_id
WHERE u.disabled_at IS NULL
  AND (f.audience = 'clients'
       OR (f.audience = 'named'
           AND EXISTS (SELECT 1 FROM file_shares s
                       WHERE s.file_id = f.id AND s.user_id = %lld)))
ORDER BY f.created_at DESC, f.id DESC
LIMIT %lld OFFSET %lld

-- name: files_for_client_count
SELECT COUNT(*) AS n FROM files f JOIN users u ON u.id = f.user_id
WHERE u.disabled_at IS NULL
  AND (f.audience = 'clients'
       OR (f.audience = 'named'
           AND EXISTS (SELECT 1 FROM file_shares s
                       WHERE s.file_id = f.id AND s.user_id = %lld)))

-- name: file_for_client
-- One file by uuid when it is published to the client.
SELECT f.id, f.uuid, f.name, f.size, f.content_type, f.sha256, f.sha1,
       f.storage, f.storage_key, f.wrapped_key, f.receipt, f.receipt_at,
       f.created_at, f.audience, f.public_links, u.username AS owner
FROM files f JOIN users u ON u.id = f.user_id
WHERE f.uuid = %s AND u.disabled_at IS NULL
  AND (f.audience = 'clients'
       OR (f.audience = 'named'
           AND EXISTS (SELECT 1 FROM file_shares s
                       WHERE s.file_id = f.id AND s.user_id = %lld)))

-- name: file_key_known
SELECT COUNT(*) AS n FROM files WHERE storage_key = %s

-- name: files_to_notify
SELECT f.id, f.uuid, f.name, f.size, f.content_type, f.sha256, f.storage,
       f.storage_key, f.wrapped_key, f.created_at, f.mount,
       u.email, u.first_name, u.last_name
FROM files f JOIN users u ON u.id = f.user_id
WHERE f.notified_at IS NULL
ORDER BY f.id
LIMIT 20

-- name: file_notified
UPDATE files SET notified_at = %lld WHERE id = %lld AND notified_at IS NULL

-- ---------------------------------------------------------------- links

-- name: link_insert
INSERT INTO file_links (uuid, file_id, created_at, expires_at, max_downloads)
VALUES (%s, %lld, %lld, %lld, %lld)

-- name: links_of_file
SELECT uuid, created_at, expires_at, max_downloads, downloads, last_used_at,
       revoked_at
FROM file_links WHERE file_id = %lld AND user_id IS NULL
ORDER BY created_at DESC, id DESC

-- name: link_insert_for
-- A link issued to one account (the API's client download links).
INSERT INTO file_links (uuid, file_id, created_at, expires_at, user_id)
VALUES (%s, %lld, %lld, %lld, %lld)

-- name: link_get
-- A link with its file, and whether the file's owner or the client the
-- link was issued to is disabled (then the link does not work).
SELECT l.id, l.uuid AS link_uuid, l.created_at AS link_created_at,
       l.expires_at, l.max_downloads,
       l.downloads, l.bytes_sent, l.revoked_at, l.user_id AS bound_to,
       f.id AS file_id, f.uuid, f.name, f.size, f.content_type, f.sha256,
       f.storage, f.storage_key, f.wrapped_key, f.public_links,
       o.disabled_at AS owner_disabled, b.disabled_at AS bound_disabled
FROM file_links l JOIN files f ON f.id = l.file_id
     JOIN users o ON o.id = f.user_id
     LEFT JOIN users b ON b.id = l.user_id
WHERE l.uuid = %s

-- name: link_revoke
UPDATE file_links SET revoked_at = %lld
WHERE uuid = %s AND file_id = %lld AND revoked_at IS NULL

-- name: link_reserve
-- A link's download limit is a byte allowance: max_downloads times the
-- file's size, delivered in any mix of whole downloads and ranges.  Each
-- response reserves the bytes it will send before it sends them (0 rows:
-- the allowance does not cover them), so responses running at the same
-- time cannot pass it; link_release gives back what was not delivered.
-- downloads is kept as the whole files' worth delivered.  Arguments:
-- bytes, bytes, file size, now, link, bytes, file size (never 0).
UPDATE file_links
SET bytes_sent = bytes_sent + %lld,
    downloads = (bytes_sent + %lld) / %lld,
    last_used_at = %lld
WHERE id = %lld
  AND (max_downloads IS NULL OR bytes_sent + %lld <= max_downloads * %lld)

-- name: link_release
-- Arguments: bytes, bytes, file size, link, bytes.
UPDATE file_links
SET bytes_sent = bytes_sent - %lld,
    downloads = (bytes_sent - %lld) / %lld
WHERE id = %lld AND bytes_sent >= %lld

-- name: link_count_download
-- An empty file has no bytes to count: each GET counts one download,
-- taken before it is answered like link_reserve, given back by
-- link_uncount_download when the answer failed.
UPDATE file_links SET downloads = downloads + 1, last_used_at = %lld
WHERE id = %lld AND (max_downloads IS NULL OR downloads < max_downloads)

-- name: link_uncount_download
UPDATE file_links SET downloads = downloads - 1
WHERE id = %lld AND downloads > 0

-- name: link_cap_lock
-- First in the transaction that adds a link: serialises the account's
-- link creations (a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE
-- already serialises writers), so that PortalLinkMaxActive holds when
-- requests race.
UPDATE users SET role = role WHERE id = %lld

-- name: links_active_owned
-- The owner's active links (made on the files' pages): not revoked, not
-- expired, not used up; and when the first of them expires.  Arguments:
-- owner, now.
SELECT COUNT(*) AS n, MIN(l.expires_at) AS soonest
FROM file_links l JOIN files f ON f.id = l.file_id
WHERE f.user_id = %lld AND l.user_id IS NULL AND l.revoked_at IS NULL
  AND l.expires_at > %lld
  AND (l.max_downloads IS NULL OR l.downloads < l.max_downloads)

-- name: links_active_bound
-- The active links the API issued to a client.  Arguments: client, now.
SELECT COUNT(*) AS n, MIN(expires_at) AS soonest FROM file_links
WHERE user_id = %lld AND revoked_at IS NULL AND expires_at > %lld

-- name: links_ended_prune_owned
-- Revoking frees room under PortalLinkMaxActive at once, so ended links
-- are kept for the owner's page only up to the newest N (the third
-- argument): the rows of one owner stay bounded.  Arguments: owner, now,
-- N.
DELETE FROM file_links WHERE id IN (
    SELECT l.id FROM file_links l JOIN files f ON f.id = l.file_id
    WHERE f.user_id = %lld AND l.user_id IS NULL
      AND (l.revoked_at IS NOT NULL OR l.expires_at <= %lld
           OR (l.max_downloads IS NOT NULL
               AND l.downloads >= l.max_downloads))
    ORDER BY l.id DESC
    LIMIT 1000000000 OFFSET %lld)

-- name: links_ended_prune_bound
-- The same for the links the API issued to a client (however short
-- PortalLinkLifetime is).  Arguments: client, now, N.
DELETE FROM file_links WHERE id IN (
    SELECT id FROM file_links
    WHERE user_id = %lld AND (revoked_at IS NOT NULL OR expires_at <= %lld)
    ORDER BY id DESC
    LIMIT 1000000000 OFFSET %lld)

-- ---------------------------------------------------------------- store

-- name: pending_insert
INSERT INTO store_pending (storage_key, created_at) VALUES (%s, %lld)

-- name: pending_delete
DELETE FROM store_pending WHERE storage_key = %s

-- name: pending_stale
SELECT storage_key FROM store_pending WHERE created_at < %lld
ORDER BY created_at LIMIT 500

-- ---------------------------------------------------------------- iocs
-- The indicator list, newest first, 10 (per_page) at a time.  Variants by
-- filter: _t type, _s source, _q keyword (per dialect, in
-- sql/<dialect>/queries.sql).  Arguments in order: [q] [type] [source]
-- from to, the keyset cursor (first_seen, first_seen, id: rows after it),
-- limit, offset.  The grouped counts take the same filters and stop at
-- 10001 rows (the page says "more than 10000"); a keyword search looks at
-- the 10000 newest matches, so a word found in half the table costs no
-- more than a rare one.
-- name: ioc_list
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_s
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE source = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_s
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE source = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_t
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE type = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_t
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE type = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_t_s
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE type = %s
  AND source = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_t_s
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE type = %s
      AND source = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_counts_all
SELECT kind, key, n FROM ioc_counts ORDER BY kind, n DESC, key

-- name: ioc_upsert
INSERT INTO iocs (type, value, source, threat, malware, tags, confidence,
                  first_seen, last_seen, reference, seen_at)
VALUES (%s, %s, %s, %s, %s, %s, %d, %lld, %lld, %s, %lld)
ON CONFLICT (type, value, source) DO UPDATE SET
    threat = excluded.threat, malware = excluded.malware,
    tags = excluded.tags, confidence = excluded.confidence,
    last_seen = CASE WHEN excluded.last_seen > iocs.last_seen
                     THEN excluded.last_seen ELSE iocs.last_seen END,
    reference = excluded.reference, seen_at = excluded.seen_at

-- name: ioc_count_source
SELECT COUNT(*) AS n FROM iocs WHERE source = %s

-- name: ioc_expire
DELETE FROM iocs WHERE source = %s AND seen_at < %lld

-- name: ioc_counts_clear
DELETE FROM ioc_counts

-- name: ioc_counts_total
INSERT INTO ioc_counts (kind, key, n) SELECT 'total', '', COUNT(*) FROM iocs

-- name: ioc_counts_type
INSERT INTO ioc_counts (kind, key, n)
SELECT 'type', type, COUNT(*) FROM iocs GROUP BY type

-- name: ioc_counts_source
INSERT INTO ioc_counts (kind, key, n)
SELECT 'source', source, COUNT(*) FROM iocs GROUP BY source

-- name: ioc_counts_pair
-- type and source together: the counts of a type or source filter
INSERT INTO ioc_counts (kind, key, n)
SELECT 'pair', type || '|' || source, COUNT(*) FROM iocs GROUP BY type, source

-- name: ioc_feed_register
INSERT INTO ioc_feeds (name, format, url, key_file, interval_s, retention_s)
VALUES (%s, %s, %s, %s, %d, %d)
ON CONFLICT (name) DO UPDATE SET format = excluded.format,
    url = excluded.url, key_file = excluded.key_file,
    interval_s = excluded.interval_s, retention_s = excluded.retention_s

-- name: ioc_allow_clear
DELETE FROM ioc_allowlist

-- name: ioc_allow_add
INSERT INTO ioc_allowlist (entry) VALUES (%s) ON CONFLICT (entry) DO NOTHING

-- name: ioc_allow_all
SELECT entry FROM ioc_allowlist

-- name: ioc_feed_get
SELECT name, format, url, key_file, interval_s, last_attempt_at,
       last_success_at, http_status, rows_seen, rows_added, rows_updated,
       rows_skipped, duration_ms, last_error, etag, last_modified
FROM ioc_feeds WHERE name = %s

-- name: ioc_feeds_all
SELECT name, format, url, key_file, interval_s, retention_s,
       last_attempt_at, last_success_at, http_status, rows_seen, rows_added,
       rows_updated, rows_skipped, duration_ms, last_error
FROM ioc_feeds ORDER BY name

-- name: ioc_feed_attempt
UPDATE ioc_feeds SET last_attempt_at = %lld, http_status = %d,
    duration_ms = %lld, last_error = %s
WHERE name = %s

-- name: ioc_feed_success
UPDATE ioc_feeds SET last_attempt_at = %lld, last_success_at = %lld,
    http_status = %d, rows_seen = %lld, rows_added = %lld,
    rows_updated = %lld, rows_skipped = %lld, duration_ms = %lld,
    last_error = NULL, etag = %s, last_modified = %s
WHERE name = %s

-- name: ioc_feed_unchanged
UPDATE ioc_feeds SET last_attempt_at = %lld, last_success_at = %lld,
    http_status = %d, duration_ms = %lld, last_error = NULL
WHERE name = %s

-- ---------------------------------------------------------------- leases

-- name: lease_take
-- Take the lease when it is free or expired; 1 row changed = ours.  (Its
-- holder too waits for the expiry: the lease is also the schedule.)
INSERT INTO leases (name, holder, expires_at) VALUES (%s, %s, %lld)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
    expires_at = excluded.expires_at
WHERE leases.expires_at <= %lld

-- name: lease_get
SELECT holder, expires_at FROM leases WHERE name = %s

-- ---------------------------------------------------------------- throttle

-- name: login_ip_known
-- Has this network given the account's right password before?
SELECT 1 AS known FROM login_ips WHERE user_id = %lld AND ip = %s

-- name: login_ip_seen
INSERT INTO login_ips (user_id, ip, first_at, last_at)
VALUES (%lld, %s, %lld, %lld)
ON CONFLICT (user_id, ip) DO UPDATE SET last_at = excluded.last_at

-- name: login_ips_purge
-- Networks unused since the argument, and all but the 20 most recent of
-- an account.
DELETE FROM login_ips
WHERE last_at < %lld
   OR (SELECT COUNT(*) FROM login_ips n
       WHERE n.user_id = login_ips.user_id
         AND (n.last_at > login_ips.last_at
              OR (n.last_at = login_ips.last_at AND n.ip > login_ips.ip)))
      >= 20

-- name: throttle_event_insert
INSERT INTO throttle_events (cache_key, purpose, scope, reason, ip, account,
                             route, started_at, until_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %lld, %lld)

-- name: throttle_events_recent
-- /admin/throttle: the blocks that began since the argument, newest first.
SELECT id, cache_key, purpose, scope, reason, ip, account, route,
       started_at, until_at, lift_requested_at, lifted_at, lifted_by
FROM throttle_events
WHERE started_at >= %lld
ORDER BY id DESC
LIMIT 200

-- name: throttle_event_counts
SELECT reason, COUNT(*) AS n FROM throttle_events
WHERE started_at >= %lld
GROUP BY reason ORDER BY reason

-- name: throttle_event_get
SELECT id, cache_key, purpose, scope, reason, ip, account, route,
       started_at, until_at, lifted_at
FROM throttle_events WHERE id = %lld

-- name: throttle_event_lifted
-- Every row of the record (a record can have had several blocks).
UPDATE throttle_events SET lifted_at = %lld, lifted_by = %s
WHERE cache_key = %s AND lifted_at IS NULL

-- name: throttle_lift_request
-- portalctl: ask httpd's throttle job to lift a block.
UPDATE throttle_events SET lift_requested_at = %lld
WHERE id = %lld AND lifted_at IS NULL

-- name: throttle_lifts_pending
SELECT id, cache_key FROM throttle_events
WHERE lift_requested_at IS NOT NULL AND lifted_at IS NULL
ORDER BY id
LIMIT 100

-- name: throttle_events_purge
DELETE FROM throttle_events WHERE started_at < %lld

-- ---------------------------------------------------------------- bulk import
-- (issue 14: portalctl user import, /admin/import, portalctl import-flask;
-- the core side is pt_userimport.h)

-- name: user_import_probe
-- Whether a row to import is there already: the account with its username
-- and the one with its email (lower case), each or NULL.  The same id in
-- both: the row was imported by an earlier run (skipped when resuming);
-- one or two others: the row fails as taken.
SELECT (SELECT id FROM users WHERE username_lc = %s) AS by_username,
       (SELECT id FROM users WHERE email_lc = %s) AS by_email

-- name: flask_readonly
-- Run on the Flask portal's users.db, not on ours (pt_flaskdb.c): this
-- connection never writes to it.
PRAGMA query_only = 1

-- name: flask_users_page
-- The Flask portal's accounts after an id, a page at a time (keyset
-- paging).  Runs on its users.db, not on ours; "user" is its table.
SELECT id, username, password, email, first_name, last_name, address
FROM "user"
WHERE id > %lld
ORDER BY id
LIMIT %lld

-- ---------------------------------------------------------------- activity log
-- (issue 14; the chain, its canonical form and the append protocol are in
-- mod_portal/core/pt_audit.h, and pt_audit_db.c runs these)

-- name: audit_head
-- The newest entry: the next one gets id + 1 and links to its hash.  Read
-- under the append lock (tx_begin is BEGIN IMMEDIATE on SQLite; audit_lock
-- on PostgreSQL).
SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1

-- name: audit_insert
-- id is head + 1: the primary key refuses a second entry at the same place,
-- so the chain cannot fork even without the lock.  actor_id NULL: none.
INSERT INTO audit_log (id, event_time, actor_id, actor_name, ip,
                       user_agent, action, target, outcome, request_id,
                       detail, prev_hash, hash)
VALUES (%lld, %lld, %lld, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: audit_page
-- The chain in its order from an entry, a page at a time (verify, export).
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log WHERE id >= %lld ORDER BY id LIMIT %lld

-- The activity page: newest first, keyset-paged (id < the last id shown),
-- within [from, to) in microseconds.  One query per most selective filter,
-- so an index serves it; the other filters are optional ('' for any).

-- name: audit_list_actor
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log
WHERE actor_id = %lld AND id < %lld
  AND event_time >= %lld AND event_time < %lld
  AND (%s = '' OR action = %s)
  AND (%s = '' OR outcome = %s)
  AND (%s = '' OR ip = %s)
ORDER BY id DESC LIMIT %lld

-- name: audit_list_ip
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log
WHERE ip = %s AND id < %lld
  AND event_time >= %lld AND event_time < %lld
  AND (%s = '' OR action = %s)
  AND (%s = '' OR outcome = %s)
ORDER BY id DESC LIMIT %lld

-- name: audit_list_action
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log
WHERE action = %s AND id < %lld
  AND event_time >= %lld AND event_time < %lld
  AND (%s = '' OR outcome = %s)
ORDER BY id DESC LIMIT %lld

-- name: audit_list_outcome
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log
WHERE outcome = %s AND id < %lld
  AND event_time >= %lld AND event_time < %lld
ORDER BY id DESC LIMIT %lld

-- name: audit_list
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log
WHERE id < %lld AND event_time >= %lld AND event_time < %lld
ORDER BY id DESC LIMIT %lld

-- name: audit_timeline
-- A person's timeline: what they did and what was done to them.
SELECT id, event_time, actor_id, actor_name, ip, user_agent, action, target,
       outcome, request_id, detail, prev_hash, hash
FROM audit_log
WHERE (actor_id = %lld OR target = %s) AND id < %lld
ORDER BY id DESC LIMIT %lld

-- name: audit_seal_insert
-- token: base64 of the DER TimeStampResp over the entry's hash.
INSERT INTO audit_seals (entry_id, hash, token, sealed_at, tsa)
VALUES (%lld, %s, %s, %lld, %s)

-- name: audit_seals_from
SELECT entry_id, hash, token, sealed_at, tsa FROM audit_seals
WHERE entry_id >= %lld ORDER BY entry_id, id

-- name: audit_seal_last
SELECT entry_id, hash, sealed_at FROM audit_seals
ORDER BY entry_id DESC, id DESC LIMIT 1

-- name: audit_prune_point
-- Retention: the newest sealed entry (sealed with its hash as stored)
-- older than the cut-off; everything before it may go.
SELECT MAX(s.entry_id) AS entry_id
FROM audit_seals s JOIN audit_log l ON l.id = s.entry_id
WHERE l.event_time < %lld AND s.hash = l.hash

-- name: audit_prune_entries
DELETE FROM audit_log WHERE id < %lld

-- name: audit_prune_seals
DELETE FROM audit_seals WHERE entry_id < %lld
