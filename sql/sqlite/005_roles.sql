-- 005_roles.sql (SQLite) -- roles at work: disabled accounts, files that
-- operations publish to clients, download links bound to one client, and
-- the deny-list of signed-out API tokens.

-- NULL: the account may sign in.  A disabled account keeps its data, but
-- no session, sign-in or API token of it works.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;

-- Who besides the owner sees a file: 'private' (nobody), 'clients' (every
-- client account), 'named' (the client accounts in file_shares).
-- public_links: the file's download links work for whoever holds them;
-- otherwise a link issued to a client works only for that client.
ALTER TABLE files ADD COLUMN audience TEXT NOT NULL DEFAULT 'private'
    CHECK (audience IN ('private', 'clients', 'named'));
ALTER TABLE files ADD COLUMN public_links INTEGER NOT NULL DEFAULT 0;
CREATE INDEX files_audience ON files(audience, created_at DESC, id DESC);

CREATE TABLE file_shares (
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (file_id, user_id)
);
CREATE INDEX file_shares_user ON file_shares(user_id, file_id);

-- A link issued to one account (the API's download links); NULL: a link
-- the owner made for anyone.
ALTER TABLE file_links ADD COLUMN user_id INTEGER
    REFERENCES users(id) ON DELETE CASCADE;

-- API tokens signed out before they expire (POST /api/logout), by jti,
-- kept until the token would have expired anyway.
CREATE TABLE jwt_revoked (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX jwt_revoked_expires ON jwt_revoked(expires_at);
