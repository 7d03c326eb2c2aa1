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
INSERT INTO users (uuid, username, username_lc, email, email_lc,
                   password_hash, first_name, last_name, address, role,
                   created_at, password_changed_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %lld, %lld)

-- name: user_by_login
SELECT id, uuid, username, email, password_hash, role
FROM users
WHERE username_lc = %s OR email_lc = %s
ORDER BY CASE WHEN username_lc = %s THEN 0 ELSE 1 END
LIMIT 1

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
       last_login_at
FROM users ORDER BY id

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

-- name: session_touch
UPDATE sessions SET last_seen_at = %lld WHERE id_hash = %s

-- name: session_delete
DELETE FROM sessions WHERE id_hash = %s

-- name: session_delete_others
DELETE FROM sessions WHERE user_id = %lld AND id_hash <> %s

-- name: sessions_purge
DELETE FROM sessions WHERE expires_at <= %lld OR last_seen_at <= %lld

-- name: sessions_count
SELECT COUNT(*) AS n FROM sessions

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
