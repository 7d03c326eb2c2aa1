-- 006_throttle.sql (SQLite) -- what the throttle keeps in the database: the
-- networks an account has signed in from (so that the account's failure
-- budget never locks its owner out there), and one row per block for
-- /admin (the counts themselves live in httpd's socache).

-- A network (an IPv4 address, or an IPv6 /64) that gave the right
-- password of the account.  Kept 90 days after its last use, at most 20
-- per account (the throttle job purges the rest).
CREATE TABLE login_ips (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ip       TEXT NOT NULL,
    first_at INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, ip)
);
CREATE INDEX login_ips_last ON login_ips(last_at);

-- A block of a throttle record, written once when its first refusal
-- happens (not once per request).  cache_key names the record in the
-- socache, so that /admin can show whether it still blocks and lift it;
-- account is a username or an email address (never a login as typed that
-- named no account: "-").  lift_requested_at: portalctl asked for a lift,
-- which the throttle job carries out in httpd.
CREATE TABLE throttle_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    cache_key         TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    scope             TEXT NOT NULL,
    reason            TEXT NOT NULL,
    ip                TEXT NOT NULL,
    account           TEXT,
    route             TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    until_at          INTEGER NOT NULL,
    lift_requested_at INTEGER,
    lifted_at         INTEGER,
    lifted_by         TEXT
);
CREATE INDEX throttle_events_started ON throttle_events(started_at);
CREATE INDEX throttle_events_key ON throttle_events(cache_key);
