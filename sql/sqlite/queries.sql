-- queries.sql (SQLite) -- the statements whose SQL differs from
-- sql/queries.sql for SQLite.

-- name: migrate_begin
-- BEGIN IMMEDIATE takes the database write lock at once, so two processes
-- migrating at the same time run one after the other.
BEGIN IMMEDIATE

-- name: tx_begin
-- Take the write lock at once: a deferred transaction that reads first
-- can fail with SQLITE_BUSY when it later needs to write.
BEGIN IMMEDIATE

-- name: init_wal
-- Connection set-up for tools that open the database themselves (httpd
-- uses DBDInitSQL for the same).
PRAGMA journal_mode=WAL

-- name: init_busy
PRAGMA busy_timeout=5000

-- name: init_fk
PRAGMA foreign_keys=ON

-- name: journal_mode
-- What mode the connection is in (the portal warns unless it is "wal").
PRAGMA journal_mode
