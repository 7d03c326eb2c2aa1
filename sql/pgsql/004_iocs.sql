-- 004_iocs.sql (PostgreSQL) -- indicators of compromise from the
-- configured feeds, the feeds' status, cached counts, and leases between
-- nodes.

-- Keyword search uses trigram indexes (pg_trgm is a trusted extension:
-- the database's owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One row per (type, value, source).  first_seen is kept from the first
-- pull that listed it (or the feed's own date), last_seen advances, and
-- seen_at is the last pull that listed it: rows a feed stops listing are
-- deleted PortalIocRetention after that, not at the next pull.
CREATE TABLE iocs (
    id         BIGSERIAL PRIMARY KEY,
    type       TEXT NOT NULL,
    value      TEXT NOT NULL,
    source     TEXT NOT NULL,
    threat     TEXT,
    malware    TEXT,
    tags       TEXT NOT NULL DEFAULT '',
    confidence INTEGER,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    reference  TEXT,
    seen_at    BIGINT NOT NULL,
    UNIQUE (type, value, source)
);
CREATE INDEX iocs_recent ON iocs(first_seen DESC, id DESC);
CREATE INDEX iocs_type_recent ON iocs(type, first_seen DESC, id DESC);
CREATE INDEX iocs_source_recent ON iocs(source, first_seen DESC, id DESC);
CREATE INDEX iocs_source_seen ON iocs(source, seen_at);
-- the searchable text of a row, lower-cased, trigram-indexed
CREATE INDEX iocs_search ON iocs USING gin (
    lower(value || ' ' || type || ' ' || source || ' ' || coalesce(threat, '')
          || ' ' || coalesce(malware, '') || ' ' || tags) gin_trgm_ops);

CREATE TABLE ioc_feeds (
    name              TEXT PRIMARY KEY,
    format            TEXT NOT NULL,
    url               TEXT NOT NULL,
    key_file          TEXT,
    interval_s        INTEGER NOT NULL,
    retention_s       INTEGER NOT NULL,
    last_attempt_at   BIGINT,
    last_success_at   BIGINT,
    http_status       INTEGER,
    rows_seen         BIGINT,
    rows_added        BIGINT,
    rows_updated      BIGINT,
    rows_skipped      BIGINT,
    duration_ms       BIGINT,
    last_error        TEXT,
    etag              TEXT,
    last_modified     TEXT
);

CREATE TABLE ioc_counts (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    n    BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
);

-- PortalIocAllowlist(File) as the servers last recorded it, so that
-- portalctl ioc-refresh applies the same list.
CREATE TABLE ioc_allowlist (
    entry TEXT PRIMARY KEY
);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
