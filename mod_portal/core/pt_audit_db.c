/*
 * pt_audit_db.c -- the activity log in the database: the append protocol,
 * listing, the chain iterator, seals and retention (see pt_audit.h; the
 * SQL is the audit_* queries of sql/queries.sql).
 *
 * Long walks (the iterator) read a page at a time into a pool of their
 * own: pt_db_select allocates its results in db->pool, which is swapped
 * for the page's pool around the call so that a million rows do not pile
 * up in it.
 */
#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>

#include "pt_audit.h"

#define LIST_MAX 1000

static const char *i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_off_t_toa(p, (apr_off_t)v);
}

static apr_status_t db_error(pt_db_t *db, pt_err_t *err)
{
    return pt_err_set(err, db->pool, NULL, 0, "%s",
                      db->errmsg ? db->errmsg : "database error");
}

static const char *dup_or_null(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

pt_audit_row_t *pt_audit_row_from_db(apr_pool_t *p, const pt_row_t *r)
{
    pt_audit_row_t *a = apr_pcalloc(p, sizeof(*a));

    a->e.id = pt_row_int(r, "id");
    a->e.time = pt_row_int(r, "event_time");
    a->e.actor_id = pt_row_int(r, "actor_id");
    a->e.actor_name = dup_or_null(p, pt_row_get(r, "actor_name"));
    a->e.ip = dup_or_null(p, pt_row_get(r, "ip"));
    a->e.user_agent = dup_or_null(p, pt_row_get(r, "user_agent"));
    a->e.action = dup_or_null(p, pt_row_get(r, "action"));
    a->e.target = dup_or_null(p, pt_row_get(r, "target"));
    a->e.outcome = dup_or_null(p, pt_row_get(r, "outcome"));
    a->e.request_id = dup_or_null(p, pt_row_get(r, "request_id"));
    a->e.detail = dup_or_null(p, pt_row_get(r, "detail"));
    a->prev_hash = dup_or_null(p, pt_row_get(r, "prev_hash"));
    a->hash = dup_or_null(p, pt_row_get(r, "hash"));
    if (!a->prev_hash) {
        a->prev_hash = "";
    }
    if (!a->hash) {
        a->hash = "";
    }
    return a;
}

/* ------------------------------------------------------------ append */

/* The protocol's middle: lock (PostgreSQL), head, insert.  *out (may be
 * NULL) gets the row it tried to insert, whether or not it could. */
static apr_status_t append_locked(pt_db_t *db, const pt_audit_entry_t *norm,
                                  pt_audit_row_t **out)
{
    pt_audit_row_t *row = apr_pcalloc(db->pool, sizeof(*row));
    pt_row_t *head = NULL;
    apr_status_t rv = APR_SUCCESS;
    const pt_audit_entry_t *e;

    if (apr_hash_get(db->sql->queries, "audit_lock", APR_HASH_KEY_STRING)) {
        rv = pt_db_run_named(db, "audit_lock");
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_one(db, "audit_head", &head, PT_NOARGS);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    row->e = *norm;
    row->e.id = head ? pt_row_int(head, "id") + 1 : 1;
    row->prev_hash = head ? apr_pstrdup(db->pool, pt_row_get(head, "hash"))
                          : PT_AUDIT_GENESIS;
    row->hash = pt_audit_hash(db->pool, row->prev_hash, &row->e);
    e = &row->e;
    if (out) {
        *out = row;             /* also on failure: the id it tried */
    }
    rv = pt_db_exec(db, "audit_insert", NULL,
                    PT_ARGS(i64(db->pool, e->id), i64(db->pool, e->time),
                            e->actor_id ? i64(db->pool, e->actor_id) : NULL,
                            e->actor_name, e->ip, e->user_agent, e->action,
                            e->target, e->outcome, e->request_id, e->detail,
                            row->prev_hash, row->hash));
    return rv;
}

apr_status_t pt_audit_append_tx(pt_db_t *db, const pt_audit_entry_t *e,
                                pt_audit_row_t **out, pt_err_t *err)
{
    pt_audit_entry_t norm;
    apr_status_t rv = pt_audit_normalise(db->pool, e, &norm, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = append_locked(db, &norm, out);
    return rv == APR_SUCCESS ? rv : db_error(db, err);
}

/* SQLite: head and insert as two single statements, no transaction; a
 * taken id (another appender won the race) means reading the head again.
 * See pt_audit.h (APPEND PROTOCOL) for why. */
static apr_status_t append_optimistic(pt_db_t *db,
                                      const pt_audit_entry_t *norm,
                                      pt_audit_row_t **out)
{
    apr_status_t rv = APR_EGENERAL;
    int i;

    for (i = 0; i < PT_AUDIT_RACE_TRIES; i++) {
        pt_audit_row_t *row = NULL;
        pt_row_t *head = NULL;
        const char *msg;

        rv = append_locked(db, norm, &row);
        if (rv == APR_SUCCESS) {
            if (out) {
                *out = row;
            }
            return APR_SUCCESS;
        }
        if (!row) {
            return rv;          /* the head could not be read */
        }
        msg = db->errmsg;
        if (pt_db_one(db, "audit_head", &head, PT_NOARGS) != APR_SUCCESS
            || !head || pt_row_int(head, "id") < row->e.id) {
            db->errmsg = msg;   /* not a lost race: a real failure */
            return rv;
        }
    }
    return rv;
}

apr_status_t pt_audit_append(pt_db_t *db, const pt_audit_entry_t *e,
                             pt_audit_row_t **out, pt_err_t *err)
{
    pt_audit_entry_t norm;
    apr_status_t rv = pt_audit_normalise(db->pool, e, &norm, err);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!apr_hash_get(db->sql->queries, "audit_lock", APR_HASH_KEY_STRING)) {
        rv = append_optimistic(db, &norm, out);
        return rv == APR_SUCCESS ? rv : db_error(db, err);
    }
    for (i = 0; i < PT_AUDIT_APPEND_TRIES; i++) {
        rv = pt_db_run_named(db, "tx_begin");
        if (rv == APR_SUCCESS) {
            rv = append_locked(db, &norm, out);
            if (rv == APR_SUCCESS) {
                rv = pt_db_run_named(db, "tx_commit");
            }
        }
        if (rv == APR_SUCCESS) {
            return APR_SUCCESS;
        }
        /* a lock or serialisation failure, or the database went away:
         * roll back and start again */
        {
            const char *msg = db->errmsg;

            pt_db_run_named(db, "tx_rollback");
            db->errmsg = msg;
        }
    }
    return db_error(db, err);
}

/* ------------------------------------------------------------ listing */

static apr_status_t rows_of(pt_db_t *db, const char *label,
                            const char **args, int nargs,
                            apr_array_header_t **rows, pt_err_t *err)
{
    apr_array_header_t *raw;
    apr_array_header_t *out;
    int i;

    if (pt_db_select(db, label, &raw, args, nargs) != APR_SUCCESS) {
        return db_error(db, err);
    }
    out = apr_array_make(db->pool, raw->nelts, sizeof(pt_audit_row_t *));
    for (i = 0; i < raw->nelts; i++) {
        APR_ARRAY_PUSH(out, pt_audit_row_t *)
            = pt_audit_row_from_db(db->pool,
                                   APR_ARRAY_IDX(raw, i, pt_row_t *));
    }
    *rows = out;
    return APR_SUCCESS;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

apr_status_t pt_audit_list(pt_db_t *db, const pt_audit_filter_t *f,
                           apr_int64_t before, int limit,
                           apr_array_header_t **rows, pt_err_t *err)
{
    apr_pool_t *p = db->pool;
    const char *b = i64(p, before > 0 ? before : APR_INT64_MAX);
    const char *from = i64(p, f->from > 0 ? f->from : 0);
    const char *to = i64(p, f->to > 0 ? f->to : APR_INT64_MAX);
    const char *lim = apr_itoa(p, limit < 1 ? 1 : limit > LIST_MAX
                                                  ? LIST_MAX : limit);
    const char *action = nz(f->action), *outcome = nz(f->outcome);
    const char *ip = nz(f->ip);

    if (f->actor_id > 0) {
        return rows_of(db, "audit_list_actor",
                       PT_ARGS(i64(p, f->actor_id), b, from, to, action,
                               action, outcome, outcome, ip, ip, lim),
                       rows, err);
    }
    if (*ip) {
        return rows_of(db, "audit_list_ip",
                       PT_ARGS(ip, b, from, to, action, action, outcome,
                               outcome, lim), rows, err);
    }
    if (*action) {
        return rows_of(db, "audit_list_action",
                       PT_ARGS(action, b, from, to, outcome, outcome, lim),
                       rows, err);
    }
    if (*outcome) {
        return rows_of(db, "audit_list_outcome",
                       PT_ARGS(outcome, b, from, to, lim), rows, err);
    }
    return rows_of(db, "audit_list", PT_ARGS(b, from, to, lim), rows, err);
}

apr_status_t pt_audit_timeline(pt_db_t *db, apr_int64_t user_id,
                               const char *target, apr_int64_t before,
                               int limit, apr_array_header_t **rows,
                               pt_err_t *err)
{
    apr_pool_t *p = db->pool;

    return rows_of(db, "audit_timeline",
                   PT_ARGS(i64(p, user_id), target ? target : "",
                           i64(p, before > 0 ? before : APR_INT64_MAX),
                           apr_itoa(p, limit < 1 ? 1 : limit > LIST_MAX
                                                       ? LIST_MAX : limit)),
                   rows, err);
}

/* ------------------------------------------------------------ iterator */

struct pt_audit_iter_t {
    pt_db_t *db;
    apr_pool_t *page;
    apr_array_header_t *rows;   /* pt_row_t * of the current page */
    int pos;
    int last_page;
    apr_int64_t next_id;
};

pt_audit_iter_t *pt_audit_iter_make(pt_db_t *db, apr_int64_t from)
{
    pt_audit_iter_t *it = apr_pcalloc(db->pool, sizeof(*it));

    it->db = db;
    it->next_id = from > 1 ? from : 1;
    apr_pool_create(&it->page, db->pool);
    return it;
}

apr_status_t pt_audit_iter_next(void *baton, apr_pool_t *p,
                                pt_audit_row_t **row)
{
    pt_audit_iter_t *it = baton;
    pt_db_t *db = it->db;
    pt_row_t *r;

    *row = NULL;
    if (!it->rows || it->pos >= it->rows->nelts) {
        apr_pool_t *saved = db->pool;
        apr_status_t rv;

        if (it->last_page) {
            return APR_SUCCESS;
        }
        apr_pool_clear(it->page);
        db->pool = it->page;
        rv = pt_db_select(db, "audit_page", &it->rows,
                          PT_ARGS(i64(it->page, it->next_id),
                                  apr_itoa(it->page, PT_AUDIT_PAGE)));
        db->pool = saved;
        if (rv != APR_SUCCESS) {
            db->errmsg = apr_pstrdup(saved, db->errmsg);
            it->rows = NULL;
            return rv;
        }
        it->pos = 0;
        it->last_page = it->rows->nelts < PT_AUDIT_PAGE;
        if (it->rows->nelts == 0) {
            return APR_SUCCESS;
        }
    }
    r = APR_ARRAY_IDX(it->rows, it->pos, pt_row_t *);
    it->pos++;
    *row = pt_audit_row_from_db(p, r);
    it->next_id = (*row)->e.id + 1;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ seals */

apr_status_t pt_audit_seals_load(pt_db_t *db, apr_int64_t from,
                                 apr_array_header_t **seals, pt_err_t *err)
{
    apr_array_header_t *raw, *out;
    int i;

    if (pt_db_select(db, "audit_seals_from", &raw,
                     PT_ARGS(i64(db->pool, from))) != APR_SUCCESS) {
        return db_error(db, err);
    }
    out = apr_array_make(db->pool, raw->nelts, sizeof(pt_audit_seal_t));
    for (i = 0; i < raw->nelts; i++) {
        const pt_row_t *r = APR_ARRAY_IDX(raw, i, pt_row_t *);
        pt_audit_seal_t *s = apr_array_push(out);
        const char *b64 = pt_row_get(r, "token");
        unsigned char *der;
        int n;

        memset(s, 0, sizeof(*s));
        s->entry_id = pt_row_int(r, "entry_id");
        s->hash = dup_or_null(db->pool, pt_row_get(r, "hash"));
        s->sealed_at = pt_row_int(r, "sealed_at");
        s->tsa = dup_or_null(db->pool, pt_row_get(r, "tsa"));
        if (!s->hash) {
            s->hash = "";
        }
        if (b64 && strlen(b64) <= (apr_size_t)PT_TSA_MAX_DER * 2) {
            der = apr_palloc(db->pool, (apr_size_t)apr_base64_decode_len(b64));
            n = apr_base64_decode_binary(der, b64);
            s->token = der;
            s->token_len = n > 0 ? (apr_size_t)n : 0;
        }
    }
    *seals = out;
    return APR_SUCCESS;
}

apr_status_t pt_audit_seal_store(pt_db_t *db, const pt_audit_seal_t *s,
                                 pt_err_t *err)
{
    char *b64;

    if (!s->token || s->token_len == 0 || s->token_len > PT_TSA_MAX_DER
        || !s->hash || strlen(s->hash) != PT_AUDIT_HASH_HEX) {
        pt_err_set(err, db->pool, NULL, 0, "a seal needs a token and the "
                   "entry's hash");
        return APR_EINVAL;
    }
    b64 = apr_palloc(db->pool, apr_base64_encode_len((int)s->token_len));
    apr_base64_encode_binary(b64, s->token, (int)s->token_len);
    if (pt_db_exec(db, "audit_seal_insert", NULL,
                   PT_ARGS(i64(db->pool, s->entry_id), s->hash, b64,
                           i64(db->pool, s->sealed_at),
                           s->tsa ? s->tsa : "portal")) != APR_SUCCESS) {
        return db_error(db, err);
    }
    return APR_SUCCESS;
}

apr_status_t pt_audit_seal_due(pt_db_t *db, pt_audit_row_t **head, int *due,
                               pt_err_t *err)
{
    apr_array_header_t *one;
    pt_row_t *last = NULL, *seal = NULL;
    apr_int64_t id;

    *head = NULL;
    *due = 0;
    if (pt_db_one(db, "audit_head", &last, PT_NOARGS) != APR_SUCCESS) {
        return db_error(db, err);
    }
    if (!last) {
        return APR_SUCCESS;
    }
    id = pt_row_int(last, "id");
    if (pt_db_select(db, "audit_page", &one, PT_ARGS(i64(db->pool, id), "1"))
            != APR_SUCCESS
        || pt_db_one(db, "audit_seal_last", &seal, PT_NOARGS)
           != APR_SUCCESS) {
        return db_error(db, err);
    }
    if (one->nelts != 1) {
        return pt_err_set(err, db->pool, NULL, 0, "the head of the activity"
                          " log went away");
    }
    *head = pt_audit_row_from_db(db->pool, APR_ARRAY_IDX(one, 0, pt_row_t *));
    *due = !seal || pt_row_int(seal, "entry_id") < id;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ retention */

apr_status_t pt_audit_prune(pt_db_t *db, apr_time_t before,
                            apr_int64_t *kept_from, int *deleted,
                            pt_err_t *err)
{
    pt_row_t *r = NULL;
    apr_int64_t s = 0;
    apr_status_t rv;
    int n = 0, ns = 0;

    if (kept_from) {
        *kept_from = 0;
    }
    *deleted = 0;
    rv = pt_db_run_named(db, "tx_begin");
    if (rv == APR_SUCCESS) {
        rv = pt_db_one(db, "audit_prune_point", &r,
                       PT_ARGS(i64(db->pool, before)));
    }
    if (rv == APR_SUCCESS) {
        s = pt_row_int(r, "entry_id");
    }
    if (rv == APR_SUCCESS && s > 1) {
        rv = pt_db_exec(db, "audit_prune_entries", &n,
                        PT_ARGS(i64(db->pool, s)));
        if (rv == APR_SUCCESS) {
            rv = pt_db_exec(db, "audit_prune_seals", &ns,
                            PT_ARGS(i64(db->pool, s)));
        }
    }
    if (rv == APR_SUCCESS) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv != APR_SUCCESS) {
        const char *msg = db->errmsg;

        pt_db_run_named(db, "tx_rollback");
        db->errmsg = msg;
        return db_error(db, err);
    }
    if (kept_from) {
        *kept_from = s;
    }
    *deleted = n;
    return APR_SUCCESS;
}
