-- 001_accounts.sql (PostgreSQL) -- accounts, server-side sessions, job runs.
-- Times are Unix seconds (UTC).  Usernames and emails are unique without
-- regard to case: the *_lc columns hold the ASCII lower-case form.

CREATE TABLE users (
    id                  BIGSERIAL PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    username            TEXT NOT NULL,
    username_lc         TEXT NOT NULL UNIQUE,
    email               TEXT NOT NULL,
    email_lc            TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    address             TEXT NOT NULL,
    role                TEXT NOT NULL DEFAULT 'client'
                        CHECK (role IN ('client', 'operations', 'admin')),
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    last_login_at       BIGINT,
    last_login_ip       TEXT,
    prev_login_at       BIGINT,
    prev_login_ip       TEXT
);

-- id_hash is the SHA-256 (hex) of the cookie's 256-bit token: the token
-- itself is never stored.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);
CREATE INDEX sessions_expires_at ON sessions(expires_at);
CREATE INDEX sessions_last_seen_at ON sessions(last_seen_at);

CREATE TABLE job_runs (
    name        TEXT PRIMARY KEY,
    runs        BIGINT NOT NULL DEFAULT 0,
    last_run_at BIGINT NOT NULL,
    last_ok_at  BIGINT,
    last_result TEXT,
    last_error  TEXT
);
