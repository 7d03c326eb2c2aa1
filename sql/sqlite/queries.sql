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

-- ---------------------------------------------------------------- iocs
-- Keyword variants: an FTS5 trigram MATCH (the argument is a quoted phrase).
-- name: ioc_list_q
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_q_s
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
  AND source = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q_s
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
      AND source = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_q_t
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
  AND type = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q_t
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
      AND type = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_q_t_s
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
  AND type = %s
  AND source = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q_t_s
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE id IN (SELECT rowid FROM iocs_fts WHERE iocs_fts MATCH %s
              ORDER BY rowid DESC LIMIT 10001)
      AND type = %s
      AND source = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source
