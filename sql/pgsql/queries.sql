-- queries.sql (PostgreSQL) -- the statements whose SQL differs from
-- sql/queries.sql for PostgreSQL.

-- name: migrate_begin
BEGIN

-- name: migrate_lock
-- A transaction-scoped advisory lock: released by COMMIT or ROLLBACK.
-- 7270 is "PORT" on a phone keypad; the second key names the migration lock.
SELECT pg_advisory_xact_lock(7270, 1)

-- name: audit_lock
-- The activity log's append lock (pt_audit.h): held to COMMIT, shared by
-- every child and node on this database.  SQLite needs none: tx_begin is
-- BEGIN IMMEDIATE there.
SELECT pg_advisory_xact_lock(7270, 14)

-- ---------------------------------------------------------------- iocs
-- Keyword variants: a trigram-indexed LIKE over the searchable text (the
-- argument is '%word%', lower case, with % _ \ escaped).
-- name: ioc_list_q
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_q_s
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
  AND source = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q_s
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
      AND source = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_q_t
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
  AND type = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q_t
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
      AND type = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source

-- name: ioc_list_q_t_s
SELECT id, type, value, source, threat, malware, tags, confidence, first_seen, last_seen, reference FROM iocs
WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
  AND type = %s
  AND source = %s
  AND first_seen >= %lld AND first_seen <= %lld
  AND (first_seen < %lld OR (first_seen = %lld AND id < %lld))
ORDER BY first_seen DESC, id DESC
LIMIT %lld OFFSET %lld

-- name: ioc_groups_q_t_s
SELECT type, source, COUNT(*) AS n FROM (
    SELECT type, source FROM iocs
    WHERE lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '') || ' ' || coalesce(malware, '') || ' ' || tags) LIKE %s
      AND type = %s
      AND source = %s
      AND first_seen >= %lld AND first_seen <= %lld
    LIMIT 10001) AS m
GROUP BY type, source
