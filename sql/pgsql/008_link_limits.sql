-- 008_link_limits.sql (PostgreSQL) -- download links: a byte
-- allowance instead of a count of complete downloads, and the index
-- behind the cap on the links the API issues to one client.

-- Bytes of the file delivered through the link (reserved before each
-- response, what was not delivered given back).  A link with
-- max_downloads allows max_downloads x the file's size: repeating or
-- overlapping ranges cannot get more than that, and a download cut short
-- can be resumed with a range.  Links made before count as having
-- delivered their complete downloads.
ALTER TABLE file_links ADD COLUMN bytes_sent BIGINT NOT NULL DEFAULT 0;
UPDATE file_links SET bytes_sent = downloads
    * (SELECT size FROM files WHERE files.id = file_links.file_id);

-- PortalLinkMaxActive: the live links issued to one client.
CREATE INDEX file_links_user ON file_links(user_id, expires_at);
