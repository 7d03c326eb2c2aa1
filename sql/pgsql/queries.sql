-- queries.sql (PostgreSQL) -- the statements whose SQL differs from
-- sql/queries.sql for PostgreSQL.

-- name: migrate_begin
BEGIN

-- name: migrate_lock
-- A transaction-scoped advisory lock: released by COMMIT or ROLLBACK.
-- 7270 is "PORT" on a phone keypad; the second key names the migration lock.
SELECT pg_advisory_xact_lock(7270, 1)
