-- 011_audit.sql (PostgreSQL) -- the activity log: a hash chain of entries
-- and the RFC 3161 seals of its head (mod_portal/core/pt_audit.h has the
-- canonical form, the append protocol and what verification finds).

-- One entry per security-relevant event.  id is the entry's place in the
-- chain (1, 2, 3, ...): assigned as the head's id + 1 under the append
-- lock, never by a sequence (sequences leave gaps on rollback), so a
-- missing id is a removed entry.  Times are microseconds since 1970
-- (UTC).  actor_id is the account's id at the time, without a foreign
-- key: entries outlive the accounts they name (actor_name keeps the
-- username).
CREATE TABLE audit_log (
    id          BIGINT PRIMARY KEY,
    event_time  BIGINT NOT NULL,
    actor_id    BIGINT,
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
-- The activity page's filters, newest first.
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_ip ON audit_log(ip, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_outcome ON audit_log(outcome, id);
CREATE INDEX audit_log_target ON audit_log(target, id);
CREATE INDEX audit_log_time ON audit_log(event_time);

-- A seal: the hash of entry entry_id time-stamped (token: base64 of the
-- DER TimeStampResp whose imprint is that hash) by the portal's TSA
-- ("portal") or an external one (its host).  sealed_at: the token's time.
CREATE TABLE audit_seals (
    id          BIGSERIAL PRIMARY KEY,
    entry_id    BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    token       TEXT NOT NULL,
    sealed_at   BIGINT NOT NULL,
    tsa         TEXT NOT NULL
);
CREATE INDEX audit_seals_entry ON audit_seals(entry_id);

-- Entries are never changed, and only a prefix that a seal covers is ever
-- deleted (retention): a guard against mistakes in the code.  Someone who
-- can drop it can tamper, and that is what the chain and the seals find.
-- (The body is a quoted string, not $$...$$, which sql/'s statement
-- splitter does not know.)
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    IF TG_OP = ''UPDATE'' THEN
        RAISE EXCEPTION ''activity-log entries are never changed'';
    END IF;
    IF OLD.id >= COALESCE((SELECT MAX(entry_id) FROM audit_seals), 0) THEN
        RAISE EXCEPTION ''only activity-log entries before the newest seal are deleted'';
    END IF;
    RETURN NULL;
END';

-- A CONSTRAINT trigger (AFTER, at the end of the statement) aborts the
-- statement all the same; it is written so because sql/'s splitter reads a
-- plain CREATE TRIGGER up to an END, which PostgreSQL's form has not.
CREATE CONSTRAINT TRIGGER audit_log_guard AFTER UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
