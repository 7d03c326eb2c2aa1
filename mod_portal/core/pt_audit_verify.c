/*
 * pt_audit_verify.c -- walking the activity log's chain and its seals,
 * naming the first entry that was changed, removed or inserted (see
 * pt_audit.h, VERIFY).
 *
 * The walk keeps the last entry accepted (L: id and hash) and the hash of
 * the one before it (L2).  Each row r is pulled in id order:
 *   r.id <= L.id                       REORDERED (only from a file)
 *   r.id >  L.id + 1                   REMOVED   L.id+1 .. r.id-1
 *   r.prev == L.hash, r's hash right   intact: r becomes L
 *   r.prev == L.hash, hash wrong       CHANGED   r
 *   r.prev == L2                       INSERTED  L (r goes around it)
 * and, pulling one row n ahead:
 *   r.prev == n.hash, n.prev == L.hash REORDERED r, n
 *   r's hash right, n.prev == r.hash   REHASHED  L (r still links to L's
 *                                      old hash, and r itself is intact)
 *   r's hash wrong                     CHANGED   r (its link with it)
 *   else                               BROKEN    r
 * Seals are matched as the walk passes their entries.  Rows live in two
 * pools used in turn, so memory stays flat however long the chain.
 */
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "pt_audit.h"
#include "pt_crypto.h"

typedef struct walk_t {
    const pt_audit_verify_t *v;
    pt_audit_result_t *res;
    apr_pool_t *p;
    apr_pool_t *pool[3];        /* rows in turn: r, n, and the next */
    int turn;
    int si;                     /* the next seal to match */
    pt_err_t *err;
} walk_t;

static apr_status_t pull(walk_t *w, pt_audit_row_t **row)
{
    apr_pool_t *rp = w->pool[w->turn];

    w->turn = (w->turn + 1) % 3;
    apr_pool_clear(rp);
    *row = NULL;
    return w->v->next(w->v->next_baton, rp, row);
}

static int found(walk_t *w, pt_audit_problem_e what, apr_int64_t id,
                 apr_int64_t id_last, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int found(walk_t *w, pt_audit_problem_e what, apr_int64_t id,
                 apr_int64_t id_last, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    w->res->message = apr_pvsprintf(w->p, fmt, ap);
    va_end(ap);
    w->res->problem = what;
    w->res->id = id;
    w->res->id_last = id_last;
    return 1;
}

static const pt_audit_seal_t *seal_at(walk_t *w, int i)
{
    const apr_array_header_t *s = w->v->seals;

    return s && i < s->nelts ? &APR_ARRAY_IDX(s, i, pt_audit_seal_t) : NULL;
}

static const char *when(apr_pool_t *p, apr_time_t t)
{
    char *s = apr_palloc(p, APR_RFC822_DATE_LEN);

    return apr_rfc822_date(s, t) == APR_SUCCESS ? s : "an unknown time";
}

/* Decode a 64-hex hash into 32 bytes; 0 when it is not one. */
static int unhex(const char *h, unsigned char *out)
{
    int i;

    if (!h || strlen(h) != PT_AUDIT_HASH_HEX) {
        return 0;
    }
    for (i = 0; i < 32; i++) {
        int a = pt_hex_value((unsigned char)h[2 * i]);
        int b = pt_hex_value((unsigned char)h[2 * i + 1]);

        if (a < 0 || b < 0) {
            return 0;
        }
        out[i] = (unsigned char)((a << 4) | b);
    }
    return 1;
}

/*
 * Match the seals of entries up to row (an accepted entry; NULL: the end
 * of the chain).  Seals of entries before it are of entries that are not
 * there.  Returns 1 when a problem was found.
 */
static int match_seals(walk_t *w, const pt_audit_row_t *row, int *anchored)
{
    const pt_audit_seal_t *s;

    while ((s = seal_at(w, w->si)) != NULL
           && (!row || s->entry_id <= row->e.id)) {
        unsigned char digest[32];
        apr_time_t t = 0;
        pt_err_t e = { 0 };

        w->si++;
        if (!row || s->entry_id < row->e.id) {
            return found(w, PT_AUDIT_SEAL_MISSING, s->entry_id, 0,
                         "entry %" APR_INT64_T_FMT " was sealed on %s but "
                         "is not there: entries were removed %s",
                         s->entry_id, when(w->p, s->sealed_at),
                         row ? "before the first one kept"
                             : "from the end of the chain");
        }
        if (strcmp(s->hash, row->hash) != 0) {
            return found(w, PT_AUDIT_SEAL_MISMATCH, row->e.id, 0,
                         "entry %" APR_INT64_T_FMT " is not the entry sealed"
                         " on %s: the chain was rewritten up to it",
                         row->e.id, when(w->p, s->sealed_at));
        }
        if (w->v->check_seal
            && (!unhex(s->hash, digest)
                || w->v->check_seal(w->v->seal_baton, w->p, s, digest, &t,
                                    &e) != APR_SUCCESS)) {
            return found(w, PT_AUDIT_SEAL_INVALID, row->e.id, 0,
                         "the seal of entry %" APR_INT64_T_FMT " (%s) does "
                         "not verify: %s", row->e.id, s->tsa ? s->tsa : "-",
                         e.what ? e.what : "not a hash");
        }
        w->res->seals++;
        *anchored = 1;
    }
    return 0;
}

/* Classify a row whose link is broken, with one row of look-ahead. */
static apr_status_t broken(walk_t *w, const pt_audit_row_t *r,
                           apr_int64_t lid, const char *lhash,
                           const char *l2hash)
{
    pt_audit_row_t *n = NULL;
    apr_status_t rv;
    int self = pt_audit_row_ok(w->p, r);

    if (l2hash[0] && !strcmp(r->prev_hash, l2hash)) {
        found(w, PT_AUDIT_INSERTED, lid, 0, "entry %" APR_INT64_T_FMT " was "
              "inserted: entry %" APR_INT64_T_FMT " links past it to the "
              "entry before it", lid, r->e.id);
        return APR_SUCCESS;
    }
    rv = pull(w, &n);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (n && !strcmp(r->prev_hash, n->hash) && !strcmp(n->prev_hash, lhash)) {
        found(w, PT_AUDIT_REORDERED, r->e.id, n->e.id, "entries %"
              APR_INT64_T_FMT " and %" APR_INT64_T_FMT " were swapped: "
              "each links to where the other belongs", r->e.id, n->e.id);
    }
    else if (self && n && !strcmp(n->prev_hash, r->hash)) {
        found(w, PT_AUDIT_REHASHED, lid, 0, "entry %" APR_INT64_T_FMT
              " was changed and its hash computed again: entry %"
              APR_INT64_T_FMT " still links to its old hash", lid, r->e.id);
    }
    else if (!self) {
        found(w, PT_AUDIT_CHANGED, r->e.id, 0, "entry %" APR_INT64_T_FMT
              " was changed: neither its link to entry %" APR_INT64_T_FMT
              " nor its hash match", r->e.id, lid);
    }
    else {
        found(w, PT_AUDIT_BROKEN, r->e.id, 0, "entry %" APR_INT64_T_FMT
              " does not link to entry %" APR_INT64_T_FMT " (replaced, or "
              "entries around it rewritten)", r->e.id, lid);
    }
    return APR_SUCCESS;
}

/* The first row: where the walk starts, and what anchors it. */
static int start(walk_t *w, const pt_audit_row_t *r, int *anchored)
{
    const pt_audit_verify_t *v = w->v;
    const pt_audit_seal_t *s;
    int sealed = 0, i;

    for (i = w->si; (s = seal_at(w, i)) != NULL; i++) {
        sealed |= s->entry_id == r->e.id;
    }
    if (v->from > 0 && r->e.id > v->from) {
        return found(w, PT_AUDIT_REMOVED, v->from, r->e.id - 1, "entries %"
                     APR_INT64_T_FMT " to %" APR_INT64_T_FMT " are missing",
                     v->from, r->e.id - 1);
    }
    if (r->e.id == 1) {
        if (strcmp(r->prev_hash, PT_AUDIT_GENESIS) != 0) {
            return found(w, PT_AUDIT_BAD_START, 1, 0, "entry 1 does not "
                         "start from the genesis hash");
        }
        *anchored = 1;
    }
    else if (v->from == 0 && !sealed) {
        return found(w, PT_AUDIT_REMOVED, 1, r->e.id - 1, "entries 1 to %"
                     APR_INT64_T_FMT " are missing, and entry %"
                     APR_INT64_T_FMT " is not sealed (retention keeps the "
                     "seal of the first entry it keeps)", r->e.id - 1,
                     r->e.id);
    }
    if (!pt_audit_row_ok(w->p, r)) {
        return found(w, PT_AUDIT_CHANGED, r->e.id, 0, "entry %"
                     APR_INT64_T_FMT " was changed: its content does not "
                     "match its hash", r->e.id);
    }
    /* seals of entries before the first are of entries not there, unless
     * the walk starts later on purpose */
    while (v->from > 0 && (s = seal_at(w, w->si)) != NULL
           && s->entry_id < r->e.id) {
        w->si++;
    }
    return match_seals(w, r, anchored);
}

apr_status_t pt_audit_verify(apr_pool_t *p, const pt_audit_verify_t *v,
                             pt_audit_result_t *res, pt_err_t *err)
{
    walk_t w;
    pt_audit_row_t *r = NULL;
    char lhash[PT_AUDIT_HASH_HEX + 1] = "", l2hash[PT_AUDIT_HASH_HEX + 1] = "";
    apr_int64_t lid = 0;
    apr_status_t rv;
    int i, anchored = 0, stop = 0;

    memset(res, 0, sizeof(*res));
    res->message = "";
    res->last_hash = "";
    memset(&w, 0, sizeof(w));
    w.v = v;
    w.res = res;
    w.p = p;
    w.err = err;
    for (i = 0; i < 3; i++) {
        apr_pool_create(&w.pool[i], p);
    }
    rv = pull(&w, &r);
    if (rv == APR_SUCCESS && r) {
        stop = start(&w, r, &anchored);
        res->first_id = r->e.id;
    }
    while (rv == APR_SUCCESS && r && !stop) {
        if (lid) {
            if (r->e.id <= lid) {
                stop = found(&w, PT_AUDIT_REORDERED, r->e.id, lid, "entry %"
                             APR_INT64_T_FMT " comes after entry %"
                             APR_INT64_T_FMT, r->e.id, lid);
                break;
            }
            if (r->e.id > lid + 1) {
                if (r->e.id - 1 == lid + 1) {
                    stop = found(&w, PT_AUDIT_REMOVED, lid + 1, lid + 1,
                                 "entry %" APR_INT64_T_FMT " was removed "
                                 "(the ids jump from %" APR_INT64_T_FMT
                                 " to %" APR_INT64_T_FMT ")", lid + 1, lid,
                                 r->e.id);
                }
                else {
                    stop = found(&w, PT_AUDIT_REMOVED, lid + 1, r->e.id - 1,
                                 "entries %" APR_INT64_T_FMT " to %"
                                 APR_INT64_T_FMT " were removed", lid + 1,
                                 r->e.id - 1);
                }
                break;
            }
            if (strcmp(r->prev_hash, lhash) != 0) {
                rv = broken(&w, r, lid, lhash, l2hash);
                stop = 1;
                break;
            }
            if (!pt_audit_row_ok(p, r)) {
                stop = found(&w, PT_AUDIT_CHANGED, r->e.id, 0, "entry %"
                             APR_INT64_T_FMT " was changed: its content does"
                             " not match its hash", r->e.id);
                break;
            }
            if ((stop = match_seals(&w, r, &anchored)) != 0) {
                break;
            }
        }
        res->entries++;
        apr_cpystrn(l2hash, lhash, sizeof(l2hash));
        apr_cpystrn(lhash, r->hash, sizeof(lhash));
        lid = r->e.id;
        rv = pull(&w, &r);
    }
    if (rv != APR_SUCCESS) {
        if (err && !err->what) {
            pt_err_set(err, p, NULL, 0, "cannot read the activity log");
        }
        return rv;
    }
    if (!stop) {
        match_seals(&w, NULL, &anchored);
    }
    res->last_id = lid;
    res->last_hash = apr_pstrdup(p, lhash);
    res->anchored = anchored;
    for (i = 0; i < 3; i++) {
        apr_pool_destroy(w.pool[i]);
    }
    return APR_SUCCESS;
}

apr_status_t pt_audit_seal_check(void *baton, apr_pool_t *p,
                                 const pt_audit_seal_t *seal,
                                 const unsigned char *digest,
                                 apr_time_t *gen_time, pt_err_t *err)
{
    const pt_audit_trust_t *t = baton;

    if (seal->tsa && !strcmp(seal->tsa, "portal")) {
        if (!t->own) {
            return pt_err_set(err, p, NULL, 0, "the portal's TSA "
                              "certificate is not at hand");
        }
        return pt_tsa_verify(t->own, p, seal->token, seal->token_len, digest,
                             gen_time, err);
    }
    if (!t->external) {
        return pt_err_set(err, p, NULL, 0, "no CA file for the external TSA"
                          " %s", seal->tsa ? seal->tsa : "-");
    }
    return pt_tsa_client_verify(t->external, p, seal->token, seal->token_len,
                                digest, gen_time, err);
}
