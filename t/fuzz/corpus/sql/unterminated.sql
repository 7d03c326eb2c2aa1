'unterminated ; 
-- name: b