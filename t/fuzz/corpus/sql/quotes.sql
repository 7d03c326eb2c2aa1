-- name: a
SELECT ';' "x;" -- c;
;;
-- name:
