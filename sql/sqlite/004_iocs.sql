-- 004_iocs.sql (SQLite) -- indicators of compromise from the configured
-- feeds, the feeds' status, cached counts, and leases between nodes.

-- One row per (type, value, source).  first_seen is kept from the first
-- pull that listed it (or the feed's own date), last_seen advances, and
-- seen_at is the last pull that listed it: rows a feed stops listing are
-- deleted PortalIocRetention after that, not at the next pull.
CREATE TABLE iocs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT NOT NULL,
    value      TEXT NOT NULL,
    source     TEXT NOT NULL,
    threat     TEXT,
    malware    TEXT,
    tags       TEXT NOT NULL DEFAULT '',
    confidence INTEGER,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    reference  TEXT,
    seen_at    INTEGER NOT NULL,
    UNIQUE (type, value, source)
);
-- newest first, whole list and by type or source, with keyset paging
CREATE INDEX iocs_recent ON iocs(first_seen DESC, id DESC);
CREATE INDEX iocs_type_recent ON iocs(type, first_seen DESC, id DESC);
CREATE INDEX iocs_source_recent ON iocs(source, first_seen DESC, id DESC);
CREATE INDEX iocs_source_seen ON iocs(source, seen_at);

-- Keyword search: an FTS5 trigram index over the searchable columns,
-- kept in step with iocs by triggers (substring matches of 3+ characters).
CREATE VIRTUAL TABLE iocs_fts USING fts5(
    value, type, source, threat, malware, tags,
    content='iocs', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER iocs_fts_insert AFTER INSERT ON iocs BEGIN
    INSERT INTO iocs_fts(rowid, value, type, source, threat, malware, tags)
    VALUES (new.id, new.value, new.type, new.source, new.threat, new.malware,
            new.tags);
END;
CREATE TRIGGER iocs_fts_delete AFTER DELETE ON iocs BEGIN
    INSERT INTO iocs_fts(iocs_fts, rowid, value, type, source, threat,
                         malware, tags)
    VALUES ('delete', old.id, old.value, old.type, old.source, old.threat,
            old.malware, old.tags);
END;
CREATE TRIGGER iocs_fts_update AFTER UPDATE OF threat, malware, tags ON iocs
BEGIN
    INSERT INTO iocs_fts(iocs_fts, rowid, value, type, source, threat,
                         malware, tags)
    VALUES ('delete', old.id, old.value, old.type, old.source, old.threat,
            old.malware, old.tags);
    INSERT INTO iocs_fts(rowid, value, type, source, threat, malware, tags)
    VALUES (new.id, new.value, new.type, new.source, new.threat, new.malware,
            new.tags);
END;

-- The configured feeds as the servers last saw them (portalctl reads
-- them), and how each pull went.
CREATE TABLE ioc_feeds (
    name              TEXT PRIMARY KEY,
    format            TEXT NOT NULL,
    url               TEXT NOT NULL,
    key_file          TEXT,
    interval_s        INTEGER NOT NULL,
    retention_s       INTEGER NOT NULL,
    last_attempt_at   INTEGER,
    last_success_at   INTEGER,
    http_status       INTEGER,
    rows_seen         INTEGER,
    rows_added        INTEGER,
    rows_updated      INTEGER,
    rows_skipped      INTEGER,
    duration_ms       INTEGER,
    last_error        TEXT,
    etag              TEXT,
    last_modified     TEXT
);

-- Totals by type and by source, recomputed after each pull so the
-- dashboard never counts a million rows per request.
CREATE TABLE ioc_counts (
    kind TEXT NOT NULL,     -- 'total', 'type', 'source'
    key  TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);

-- PortalIocAllowlist(File) as the servers last recorded it, so that
-- portalctl ioc-refresh applies the same list.
CREATE TABLE ioc_allowlist (
    entry TEXT PRIMARY KEY
);

-- Leases: one node at a time does the named work until expires_at.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
