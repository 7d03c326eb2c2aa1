-- 011_audit.sql (SQLite) -- the activity log: a hash chain of entries and
-- the RFC 3161 seals of its head (mod_portal/core/pt_audit.h has the
-- canonical form, the append protocol and what verification finds).

-- One entry per security-relevant event.  id is the entry's place in the
-- chain (1, 2, 3, ...): assigned as the head's id + 1 under the append
-- lock, never by AUTOINCREMENT, so ids have no gaps and a missing id is a
-- removed entry.  Times are microseconds since 1970 (UTC).  actor_id is
-- the account's id at the time, without a foreign key: entries outlive
-- the accounts they name (actor_name keeps the username).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    event_time  INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT,
    ip          TEXT,
    user_agent  TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    outcome     TEXT NOT NULL,
    request_id  TEXT,
    detail      TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
-- The activity page's filters, newest first (the rowid id is in each).
CREATE INDEX audit_log_actor ON audit_log(actor_id);
CREATE INDEX audit_log_ip ON audit_log(ip);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_outcome ON audit_log(outcome);
CREATE INDEX audit_log_target ON audit_log(target);
CREATE INDEX audit_log_time ON audit_log(event_time);

-- A seal: the hash of entry entry_id time-stamped (token: base64 of the
-- DER TimeStampResp whose imprint is that hash) by the portal's TSA
-- ("portal") or an external one (its host).  sealed_at: the token's time.
CREATE TABLE audit_seals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id    INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    token       TEXT NOT NULL,
    sealed_at   INTEGER NOT NULL,
    tsa         TEXT NOT NULL
);
CREATE INDEX audit_seals_entry ON audit_seals(entry_id);

-- Entries are never changed, and only a prefix that a seal covers is ever
-- deleted (retention): a guard against mistakes in the code.  Someone who
-- can drop these can tamper, and that is what the chain and the seals
-- find.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'activity-log entries are never changed');
END;

CREATE TRIGGER audit_log_sealed_only BEFORE DELETE ON audit_log
WHEN OLD.id >= COALESCE((SELECT MAX(entry_id) FROM audit_seals), 0)
BEGIN
    SELECT RAISE(ABORT, 'only activity-log entries before the newest seal are deleted');
END;
