/*
 * pt_audit.h -- the activity log as a hash chain nobody can quietly
 * rewrite: entries, their canonical form, appending under concurrency,
 * listing, export, seals (RFC 3161 time-stamps of the chain's head),
 * verification and retention.
 *
 * ENTRY.  What happened (pt_audit_entry_t): time, actor (user id and name
 * at the time), client IP, user agent, action, target, outcome, request
 * id, optional detail; and its place in the chain, id = 1, 2, 3, ... with
 * no gaps (assigned at append as the head's id + 1).
 *
 * CANONICAL FORM.  An entry's bytes for hashing are its JSON object with
 * exactly these keys, sorted, no white space (RFC 8785 JSON
 * canonicalization, which for this data is also what
 * `json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
 * writes):
 *   {"action":S,"actor_id":I|null,"actor_name":S|null,"detail":S|null,
 *    "id":I,"ip":S|null,"outcome":S,"request_id":S|null,"target":S|null,
 *    "time":I,"user_agent":S|null,"v":1}
 * I: a decimal integer (time in microseconds since 1970-01-01 UTC).
 * S: a string in double quotes, UTF-8 as it is, except `"` -> \", `\` ->
 * \\, and the control characters U+0000-U+001F: \b \t \n \f \r, the others
 * \u00XX (lower-case hex).  Nothing else is escaped (not "/", not DEL, not
 * non-ASCII).
 *
 * CHAIN.  hash = lower-case hex of SHA-256(prev_hash || canonical), where
 * prev_hash is the previous entry's hash as its 64 hex characters (ASCII)
 * and, for entry 1, PT_AUDIT_GENESIS (64 zeros).  So each entry commits to
 * every entry before it.
 *
 * EXPORT (pt_audit_export_*, what `portalctl audit export` writes): text,
 * one record a line, fields separated by TAB (the canonical JSON never
 * holds a raw TAB or line break):
 *   # mod_portal audit export v1
 *   E <TAB> prev_hash <TAB> hash <TAB> canonical-json
 *   S <TAB> entry_id <TAB> entry_hash <TAB> sealed_at <TAB> tsa <TAB> token
 * with sealed_at in Unix seconds, tsa "portal" or the external TSA's host,
 * token the base64 (RFC 4648, padded, one line) DER TimeStampResp whose
 * SHA-256 message imprint is the entry's hash itself.  Anyone can check an
 * export with a POSIX shell, sha256sum and openssl:
 *
 *   prev=
 *   grep '^E' export.tsv | while IFS="$(printf '\t')" read -r t p h c; do
 *     [ -z "$prev" ] || [ "$p" = "$prev" ] || echo "BROKEN LINK before $c"
 *     [ "$(printf '%s%s' "$p" "$c" | sha256sum | cut -d' ' -f1)" = "$h" ] \
 *       || echo "CHANGED: $c"
 *     prev=$h
 *   done
 *   grep '^S' export.tsv |
 *   while IFS="$(printf '\t')" read -r t id h at tsa tok; do
 *     printf '%s' "$tok" | base64 -d > seal.tsr
 *     openssl ts -verify -digest "$h" -in seal.tsr -CAfile tsa.crt \
 *       && grep -q "$(printf '^E\t[0-9a-f]*\t%s\t' "$h")" export.tsv \
 *       && echo "seal of $id OK"
 *   done
 *
 * (tsa.crt: the portal's /tsa.crt, or the external TSA's CA file).  The
 * first entry of a full export has prev_hash PT_AUDIT_GENESIS; an export
 * from a later entry starts at a sealed one (see RETENTION) or is anchored
 * by nothing but the reader's trust.
 *
 * APPEND PROTOCOL (pt_audit_append; the SQL is in sql/queries.sql).  The
 * id is the primary key and is always the head's id + 1, so the chain can
 * never fork: of two appenders that read the same head, only one can
 * insert its id -- and the entry it links to is never changed.
 *   PostgreSQL (several children and nodes on one database):
 *     tx_begin       BEGIN
 *     audit_lock     pg_advisory_xact_lock(7270, 14), held to COMMIT and
 *                    shared by every node on the database
 *     audit_head     the newest entry's id and hash (none: 0, genesis)
 *     audit_insert   id = head + 1, prev_hash = head's hash
 *     tx_commit      (a failure: ROLLBACK and again, PT_AUDIT_APPEND_TRIES)
 *   SQLite (children and portalctl on one file):
 *     audit_head, audit_insert as two single statements, no transaction;
 *     an insert refused because the head moved (another appender took the
 *     id) reads the head again, up to PT_AUDIT_RACE_TRIES times.  Why not
 *     BEGIN IMMEDIATE: apr_dbd's sqlite3 driver holds one process-wide
 *     mutex across every sqlite3_step, busy waits included, so a thread
 *     waiting for the write lock (DBDInitSQL busy_timeout) keeps the
 *     thread that holds it from reaching its COMMIT: two threads of one
 *     child appending at once stalled for the whole busy_timeout (5 s)
 *     each time (measured: 290 entries from 4 threads and 3 processes in
 *     55 s; single statements: well under a second).  Any multi-statement
 *     write transaction on SQLite has this cost under the event MPM.
 * An entry that must commit with other changes (a role change and its
 * entry) is appended inside the caller's transaction with
 * pt_audit_append_tx: tx_begin (BEGIN IMMEDIATE on SQLite: the write lock
 * for the whole transaction), [audit_lock], audit_head, audit_insert.
 * The tables' triggers refuse UPDATE of any entry and DELETE of an entry
 * at or after the newest seal: a guard against mistakes; tampering by
 * someone who can drop triggers is what the chain and the seals find.
 *
 * SEALS.  Every PortalAuditSealInterval the glue stamps the head's hash
 * (the 32 bytes, as the RFC 3161 digest) with the portal's TSA or an
 * external one and stores it (pt_audit_seal_store).  A seal proves the
 * chain up to its entry existed at the token's time: rewriting anything
 * before it means re-hashing past it, which no longer matches the seal.
 *
 * VERIFY (pt_audit_verify) walks entries in id order from a callback (so
 * it streams a million rows) with the seals, and names the first problem:
 *   CHANGED        an entry's content no longer gives its hash
 *   REHASHED       an entry rewritten with a hash computed anew: the next
 *                  entry still links to its old hash
 *   REMOVED        entries missing (an id gap; also a prefix without the
 *                  seal that retention leaves)
 *   INSERTED       an entry the chain goes around (the next links to the
 *                  one before it)
 *   REORDERED      two entries whose places were swapped
 *   BROKEN         a link that does not match, cause unclear
 *   BAD_START      entry 1 that does not start from the genesis hash
 *   SEAL_MISMATCH  a sealed entry no longer has the hash that was sealed
 *                  (the chain was rewritten up to there)
 *   SEAL_INVALID   a seal whose token does not verify
 *   SEAL_MISSING   a seal names an entry that is not there (entries were
 *                  removed from the end, or before the first one kept)
 * Removing entries from the end after the last seal cannot be told from a
 * chain that simply ends there: the seal interval bounds that window.
 *
 * RETENTION (pt_audit_prune) deletes only a sealed prefix: the entries
 * before the newest sealed entry older than the cut-off, and the seals
 * before it.  That entry is kept with its seal, so verification then
 * starts there, anchored by the seal instead of the genesis hash.
 *
 * Strings of entries and rows live in the pools given; nothing here keeps
 * state between calls, so any thread may use these functions (one pt_db_t
 * per thread).
 */
#ifndef PT_AUDIT_H
#define PT_AUDIT_H

#include <apr_tables.h>
#include <apr_time.h>

#include "pt_core.h"
#include "pt_sql.h"
#include "pt_tsa.h"
#include "pt_tsa_client.h"

#define PT_AUDIT_HASH_HEX 64
#define PT_AUDIT_GENESIS \
    "0000000000000000000000000000000000000000000000000000000000000000"
#define PT_AUDIT_EXPORT_HEADER "# mod_portal audit export v1\n"
#define PT_AUDIT_APPEND_TRIES 3         /* PostgreSQL: transactions */
#define PT_AUDIT_RACE_TRIES 50          /* SQLite: lost races */

/* Longest values kept (bytes; longer ones are cut at a character). */
#define PT_AUDIT_MAX_NAME 64            /* actor_name */
#define PT_AUDIT_MAX_IP 64
#define PT_AUDIT_MAX_UA 512
#define PT_AUDIT_MAX_TARGET 256
#define PT_AUDIT_MAX_REQUEST_ID 64
#define PT_AUDIT_MAX_DETAIL 2048
#define PT_AUDIT_MAX_ACTION 64          /* [a-z0-9._:-], required */
#define PT_AUDIT_MAX_OUTCOME 32         /* [a-z0-9._-], required */

/* A line of an export is at most this long (a seal's token dominates). */
#define PT_AUDIT_MAX_LINE (128 * 1024)

typedef struct pt_audit_entry_t {
    apr_int64_t id;             /* 1, 2, ...: set by the append */
    apr_time_t time;            /* microseconds; 0 at append: now */
    apr_int64_t actor_id;       /* users.id; 0: none (anonymous, system) */
    const char *actor_name;     /* username at the time; NULL: none */
    const char *ip;             /* client IP; NULL: none */
    const char *user_agent;     /* NULL: none */
    const char *action;         /* "signin", "file.upload", "admin.role" */
    const char *target;         /* "user:UUID", "file:UUID", ...; NULL */
    const char *outcome;        /* "success", "failure", "denied",
                                 * "throttled", ... */
    const char *request_id;     /* mod_unique_id's UNIQUE_ID; NULL */
    const char *detail;         /* free text; NULL */
} pt_audit_entry_t;

/* An entry as stored, with its links. */
typedef struct pt_audit_row_t {
    pt_audit_entry_t e;
    const char *prev_hash;      /* 64 hex */
    const char *hash;           /* 64 hex */
} pt_audit_row_t;

typedef struct pt_audit_seal_t {
    apr_int64_t entry_id;       /* the sealed entry */
    const char *hash;           /* its hash (hex): the digest stamped */
    const unsigned char *token; /* the DER TimeStampResp */
    apr_size_t token_len;
    apr_time_t sealed_at;       /* the token's time */
    const char *tsa;            /* "portal", or the external TSA's host */
} pt_audit_seal_t;

/* ------------------------------------------------------------ entries */

/*
 * out = in made fit to store: optional strings that are empty become NULL,
 * invalid UTF-8 becomes U+FFFD, values are cut (at a character) to the
 * PT_AUDIT_MAX_* lengths, a time of 0 becomes now; strings in p.
 * APR_EINVAL + err for a missing or malformed action or outcome or a
 * negative actor_id (mistakes of the caller, not of the client).
 */
apr_status_t pt_audit_normalise(apr_pool_t *p, const pt_audit_entry_t *in,
                                pt_audit_entry_t *out, pt_err_t *err);

/* The canonical JSON of e (see the top), in p; *len (may be NULL) its
 * length.  Written as e holds it: call it on a normalised entry. */
const char *pt_audit_canonical(apr_pool_t *p, const pt_audit_entry_t *e,
                               apr_size_t *len);

/* Lower-case hex SHA-256(prev_hex || canonical(e)), in p. */
const char *pt_audit_hash(apr_pool_t *p, const char *prev_hex,
                          const pt_audit_entry_t *e);

/* 1 when row's hash is that of its prev_hash and content. */
int pt_audit_row_ok(apr_pool_t *p, const pt_audit_row_t *row);

/* ------------------------------------------------------------ export */

/* "E\tprev\thash\tcanonical\n" */
const char *pt_audit_export_entry(apr_pool_t *p, const pt_audit_row_t *row);

/* "S\tentry_id\thash\tsealed_at\ttsa\tbase64-token\n" */
const char *pt_audit_export_seal(apr_pool_t *p, const pt_audit_seal_t *s);

typedef struct pt_audit_line_t {
    char kind;                  /* 'E', 'S', or '#' (a comment/header) */
    pt_audit_row_t row;         /* kind 'E' */
    pt_audit_seal_t seal;       /* kind 'S' */
} pt_audit_line_t;

/*
 * Parse one line of an export (len bytes, without its line break; at most
 * PT_AUDIT_MAX_LINE).  An 'E' line's JSON must be exactly the canonical
 * form of the entry it holds (anything else could hash differently from
 * what it shows); hashes are 64 lower-case hex; a seal's token is base64
 * of at most PT_TSA_MAX_DER bytes.  APR_EINVAL + err saying what is wrong.
 * The hash itself is not checked here (pt_audit_row_ok, pt_audit_verify).
 */
apr_status_t pt_audit_parse_line(apr_pool_t *p, const char *line,
                                 apr_size_t len, pt_audit_line_t *out,
                                 pt_err_t *err);

/* ------------------------------------------------------------ verify */

/* The next row in id order into *row (allocated in p, which the verifier
 * clears once it is done with the row); *row = NULL at the end. */
typedef apr_status_t (*pt_audit_next_fn)(void *baton, apr_pool_t *p,
                                         pt_audit_row_t **row);

/* Whether seal's token is a valid time-stamp over digest (the 32 bytes of
 * seal->hash); *gen_time gets its time.  APR_SUCCESS or an error + err. */
typedef apr_status_t (*pt_audit_seal_fn)(void *baton, apr_pool_t *p,
                                         const pt_audit_seal_t *seal,
                                         const unsigned char *digest,
                                         apr_time_t *gen_time,
                                         pt_err_t *err);

typedef enum {
    PT_AUDIT_INTACT = 0,
    PT_AUDIT_CHANGED,
    PT_AUDIT_REHASHED,
    PT_AUDIT_REMOVED,
    PT_AUDIT_INSERTED,
    PT_AUDIT_REORDERED,
    PT_AUDIT_BROKEN,
    PT_AUDIT_BAD_START,
    PT_AUDIT_SEAL_MISMATCH,
    PT_AUDIT_SEAL_INVALID,
    PT_AUDIT_SEAL_MISSING
} pt_audit_problem_e;

typedef struct pt_audit_verify_t {
    apr_int64_t from;           /* 0: the whole chain as stored (entry 1
                                 * from the genesis hash, or a pruned
                                 * chain from its first, sealed, entry);
                                 * N: from entry N (anchored when it is
                                 * entry 1 or sealed; else taken on trust,
                                 * result.anchored = 0) */
    pt_audit_next_fn next;
    void *next_baton;
    const apr_array_header_t *seals;    /* pt_audit_seal_t, entry_id
                                         * ascending (pt_audit_seals_load);
                                         * NULL: none */
    pt_audit_seal_fn check_seal;        /* NULL: seals are compared with
                                         * the chain, their tokens not
                                         * checked */
    void *seal_baton;
} pt_audit_verify_t;

typedef struct pt_audit_result_t {
    pt_audit_problem_e problem;
    apr_int64_t id;             /* the entry concerned (the first one
                                 * removed; the earlier one swapped) */
    apr_int64_t id_last;        /* REMOVED: the last one missing;
                                 * REORDERED: the other one */
    const char *message;        /* a sentence naming it; "" when intact */
    apr_int64_t entries;        /* entries found intact */
    apr_int64_t seals;          /* seals that matched (and verified) */
    apr_int64_t first_id;       /* the range walked */
    apr_int64_t last_id;
    const char *last_hash;      /* the head's hash ("" when empty) */
    int anchored;               /* the first entry was tied to the
                                 * genesis hash or to a seal */
} pt_audit_result_t;

/*
 * Walk the chain (see VERIFY above), stopping at the first problem.
 * APR_SUCCESS when the walk could be made (res->problem says whether the
 * chain is intact); the status of v->next when it failed (a database
 * error, in err).
 */
apr_status_t pt_audit_verify(apr_pool_t *p, const pt_audit_verify_t *v,
                             pt_audit_result_t *res, pt_err_t *err);

/* What pt_audit_seal_check trusts: the portal's own TSA (seals with tsa
 * "portal") and an external one (the others); either may be NULL. */
typedef struct pt_audit_trust_t {
    pt_tsa_t *own;
    pt_tsa_client_t *external;
} pt_audit_trust_t;

/* A pt_audit_seal_fn over a pt_audit_trust_t: the seal's token verified
 * with the TSA it names (pt_tsa_verify, pt_tsa_client_verify). */
apr_status_t pt_audit_seal_check(void *trust, apr_pool_t *p,
                                 const pt_audit_seal_t *seal,
                                 const unsigned char *digest,
                                 apr_time_t *gen_time, pt_err_t *err);

/* ------------------------------------------------------------ database */

/*
 * Append e (normalised here) as the next entry, by the protocol above (a
 * transaction of its own on PostgreSQL, single statements on SQLite; not
 * inside a transaction of the caller's).  *out (may be NULL) gets the row
 * as stored, in db->pool.  APR_EINVAL + err for an entry
 * pt_audit_normalise refuses; APR_EGENERAL + err (db->errmsg) when the
 * database fails (PostgreSQL: PT_AUDIT_APPEND_TRIES times; SQLite: at
 * once, or after PT_AUDIT_RACE_TRIES lost races).
 */
apr_status_t pt_audit_append(pt_db_t *db, const pt_audit_entry_t *e,
                             pt_audit_row_t **out, pt_err_t *err);

/* The same inside the caller's transaction, begun with tx_begin (on
 * SQLite that is BEGIN IMMEDIATE, which the protocol needs); the caller
 * commits or rolls back.  No retry. */
apr_status_t pt_audit_append_tx(pt_db_t *db, const pt_audit_entry_t *e,
                                pt_audit_row_t **out, pt_err_t *err);

/* A row of audit_log (a pt_row_t of the audit_* queries) as a
 * pt_audit_row_t, strings copied into p. */
pt_audit_row_t *pt_audit_row_from_db(apr_pool_t *p, const pt_row_t *r);

/* The filters of the activity page; 0/NULL/"" for "any". */
typedef struct pt_audit_filter_t {
    apr_int64_t actor_id;
    const char *action;
    const char *outcome;
    const char *ip;
    apr_time_t from;            /* time >= from */
    apr_time_t to;              /* time < to; 0: no end */
} pt_audit_filter_t;

/*
 * Entries matching f, newest first, with ids below `before` (0: from the
 * newest): keyset paging -- pass the last id of a page to get the next.
 * At most limit (1 to 1000) rows, as pt_audit_row_t * in db->pool.  The
 * query used is the one an index serves best (actor, then ip, action,
 * outcome).  APR_EGENERAL + err on a database error.
 */
apr_status_t pt_audit_list(pt_db_t *db, const pt_audit_filter_t *f,
                           apr_int64_t before, int limit,
                           apr_array_header_t **rows, pt_err_t *err);

/* A person's timeline: entries by user_id or with target (e.g.
 * "user:UUID"; NULL: none), newest first, keyset-paged as above. */
apr_status_t pt_audit_timeline(pt_db_t *db, apr_int64_t user_id,
                               const char *target, apr_int64_t before,
                               int limit, apr_array_header_t **rows,
                               pt_err_t *err);

/* An iterator over the chain from entry `from` (0 or 1: the first),
 * reading PT_AUDIT_PAGE rows at a time, for pt_audit_verify (as next /
 * next_baton: pt_audit_iter_next) and exports.  Uses db until the walk
 * ends; allocates pages in a pool of its own (under db->pool). */
#define PT_AUDIT_PAGE 1000
typedef struct pt_audit_iter_t pt_audit_iter_t;
pt_audit_iter_t *pt_audit_iter_make(pt_db_t *db, apr_int64_t from);
apr_status_t pt_audit_iter_next(void *iter, apr_pool_t *p,
                                pt_audit_row_t **row);

/* Every seal of an entry from `from` on, entry_id ascending, as
 * pt_audit_seal_t in db->pool. */
apr_status_t pt_audit_seals_load(pt_db_t *db, apr_int64_t from,
                                 apr_array_header_t **seals, pt_err_t *err);

/* Store a seal (the token base64-encoded in audit_seals.token). */
apr_status_t pt_audit_seal_store(pt_db_t *db, const pt_audit_seal_t *s,
                                 pt_err_t *err);

/* The head (*head NULL when the log is empty) and whether it still needs
 * a seal (*due: there is a head and no seal of it yet). */
apr_status_t pt_audit_seal_due(pt_db_t *db, pt_audit_row_t **head, int *due,
                               pt_err_t *err);

/*
 * Retention: delete the entries before the newest sealed entry whose time
 * is before `before`, and the seals before that entry, in one
 * transaction.  *kept_from (may be NULL) gets that entry's id (0 when
 * nothing could go: no sealed entry that old), *deleted the entries
 * deleted.  The chain then verifies from *kept_from.
 */
apr_status_t pt_audit_prune(pt_db_t *db, apr_time_t before,
                            apr_int64_t *kept_from, int *deleted,
                            pt_err_t *err);

#endif /* PT_AUDIT_H */
