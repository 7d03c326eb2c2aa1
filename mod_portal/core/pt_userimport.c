/*
 * pt_userimport.c -- checking rows to import, duplicates within a source,
 * the resume probe and the failure report (see pt_userimport.h).
 */
#include <string.h>
#include <strings.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "pt_csvout.h"
#include "pt_password.h"
#include "pt_strength.h"
#include "pt_userimport.h"
#include "pt_validate.h"

struct pt_ucheck_t {
    apr_pool_t *pool;
    double floor;
    apr_hash_t *usernames;      /* lower case -> line (apr_int64_t *) */
    apr_hash_t *emails;
    apr_int64_t seen;
    apr_int64_t passed;
};

struct pt_ufail_t {
    pt_csvw_t *w;
    apr_pool_t *pool;           /* a scratch pool cleared per row */
    int n;                      /* fields in the header, "reason" apart */
    int skip;                   /* the source's own "reason" column, or -1 */
};

pt_user_row_t *pt_user_row_copy(apr_pool_t *p, const pt_user_row_t *row)
{
    pt_user_row_t *c = apr_pmemdup(p, row, sizeof(*row));
    int i;

    c->fields = apr_palloc(p, sizeof(char *) * (row->nfields + 1));
    for (i = 0; i < row->nfields; i++) {
        c->fields[i] = row->fields[i] ? apr_pstrdup(p, row->fields[i])
                                      : NULL;
    }
    c->fields[row->nfields] = NULL;
#define COPY(f) c->f = row->f ? apr_pstrdup(p, row->f) : NULL
    COPY(username);
    COPY(email);
    COPY(first_name);
    COPY(last_name);
    COPY(address);
    COPY(password);
    COPY(password_hash);
    COPY(reason);
#undef COPY
    return c;
}

/* ------------------------------------------------------------ checks */

pt_ucheck_t *pt_ucheck_make(apr_pool_t *p, double strength_floor)
{
    pt_ucheck_t *chk = apr_pcalloc(p, sizeof(*chk));

    chk->pool = p;
    chk->floor = strength_floor;
    chk->usernames = apr_hash_make(p);
    chk->emails = apr_hash_make(p);
    return chk;
}

/* Add "column: message" to the reasons. */
static void add(apr_pool_t *p, const char **why, const char *column,
                const char *msg)
{
    if (!msg) {
        return;
    }
    *why = *why ? apr_pstrcat(p, *why, "; ", column, ": ", msg, NULL)
                : apr_pstrcat(p, column, ": ", msg, NULL);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* The password checks of sign-up for a plaintext password. */
static const char *check_password(pt_ucheck_t *chk, apr_pool_t *p,
                                  const pt_user_row_t *row)
{
    const char *words[5];
    const char *bad = pt_validate_password(row->password, row->username);
    pt_strength_t st;
    pt_err_t err = { 0 };

    if (bad || chk->floor <= 0) {
        return bad;
    }
    words[0] = nz(row->username);
    words[1] = nz(row->first_name);
    words[2] = nz(row->last_name);
    words[3] = nz(row->email);
    words[4] = NULL;
    if (pt_strength_check(p, row->password, words, chk->floor, &st, &err)
        != APR_SUCCESS) {
        return st.message ? st.message : err.what;
    }
    return NULL;
}

/* The line of an earlier row with the same key, or 0; records key. */
static apr_int64_t seen_before(pt_ucheck_t *chk, apr_hash_t *set,
                               const char *lower, apr_int64_t line,
                               int record)
{
    const apr_int64_t *at = apr_hash_get(set, lower, APR_HASH_KEY_STRING);

    if (at) {
        return *at;
    }
    if (record) {
        apr_int64_t *l = apr_palloc(chk->pool, sizeof(*l));

        *l = line;
        apr_hash_set(set, apr_pstrdup(chk->pool, lower), APR_HASH_KEY_STRING,
                     l);
    }
    return 0;
}

const char *pt_ucheck_row(pt_ucheck_t *chk, apr_pool_t *p,
                          pt_user_row_t *row)
{
    const char *why = NULL;
    int has_pw = row->password && *row->password;
    int has_hash = row->password_hash && *row->password_hash;

    chk->seen++;
    if (row->reason) {
        return row->reason;
    }
    add(p, &why, "username", pt_validate_username(nz(row->username)));
    add(p, &why, "email", pt_validate_email(nz(row->email)));
    add(p, &why, "first_name", pt_validate_name(nz(row->first_name)));
    add(p, &why, "last_name", pt_validate_name(nz(row->last_name)));
    add(p, &why, "address", pt_validate_address(nz(row->address)));
    if (has_pw && has_hash) {
        add(p, &why, "password", "give a password or a password_hash, not"
            " both");
    }
    else if (has_hash) {
        add(p, &why, "password_hash",
            pt_password_wellformed(p, row->password_hash));
    }
    else if (row->password) {
        /* plaintext (an empty one is too short) */
        add(p, &why, "password", check_password(chk, p, row));
    }
    else {
        add(p, &why, "password_hash", "This field is required.");
    }
    if (!why) {
        const char *ulc = pt_ascii_lower(p, row->username);
        const char *elc = pt_ascii_lower(p, row->email);
        apr_int64_t u = seen_before(chk, chk->usernames, ulc, row->line, 0);
        apr_int64_t e = seen_before(chk, chk->emails, elc, row->line, 0);

        if (u) {
            why = apr_psprintf(p, "duplicate username: the same as line %"
                               APR_INT64_T_FMT, u);
        }
        else if (e) {
            why = apr_psprintf(p, "duplicate email: the same as line %"
                               APR_INT64_T_FMT, e);
        }
        else {
            seen_before(chk, chk->usernames, ulc, row->line, 1);
            seen_before(chk, chk->emails, elc, row->line, 1);
            chk->passed++;
        }
    }
    row->reason = why;
    return why;
}

apr_int64_t pt_ucheck_seen(const pt_ucheck_t *chk)
{
    return chk->seen;
}

apr_int64_t pt_ucheck_passed(const pt_ucheck_t *chk)
{
    return chk->passed;
}

/* ------------------------------------------------------------ resuming */

apr_status_t pt_uimport_probe(pt_db_t *db, pt_user_row_t *row,
                              pt_uimport_state_e *state)
{
    const char *ulc = pt_ascii_lower(db->pool, nz(row->username));
    const char *elc = pt_ascii_lower(db->pool, nz(row->email));
    const char *by_user, *by_email;
    pt_row_t *r;
    apr_status_t rv;

    *state = PT_UIMPORT_NEW;
    rv = pt_db_one(db, "user_import_probe", &r, PT_ARGS(ulc, elc));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    by_user = pt_row_get(r, "by_username");
    by_email = pt_row_get(r, "by_email");
    if (by_user && by_email && !strcmp(by_user, by_email)) {
        *state = PT_UIMPORT_DONE;
    }
    else if (by_user) {
        *state = PT_UIMPORT_TAKEN;
        row->reason = "username: already taken by another account";
    }
    else if (by_email) {
        *state = PT_UIMPORT_TAKEN;
        row->reason = "email: another account has this address";
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ report */

apr_status_t pt_ufail_open(apr_pool_t *p, apr_file_t *f,
                           const char *const *names, int n, pt_ufail_t **out)
{
    pt_ufail_t *w = apr_pcalloc(p, sizeof(*w));
    const char **head = apr_palloc(p, sizeof(char *) * (n + 1));
    int i, k = 0;

    w->w = pt_csvw_make(p, f, 0);
    w->n = n;
    w->skip = -1;
    apr_pool_create(&w->pool, p);
    for (i = 0; i < n; i++) {
        if (w->skip < 0 && names[i] && !strcasecmp(names[i], "reason")) {
            w->skip = i;
            continue;
        }
        head[k++] = names[i];
    }
    head[k++] = "reason";
    *out = w;
    return pt_csvw_row(w->w, head, k);
}

apr_status_t pt_ufail_row(pt_ufail_t *w, const pt_user_row_t *row)
{
    const char **out;
    int i, k = 0;

    apr_pool_clear(w->pool);
    out = apr_palloc(w->pool, sizeof(char *) * (w->n + 1));
    for (i = 0; i < w->n; i++) {
        if (i == w->skip) {
            continue;
        }
        out[k++] = i < row->nfields ? row->fields[i] : "";
    }
    out[k++] = row->reason ? row->reason : "";
    return pt_csvw_row(w->w, out, k);
}

apr_int64_t pt_ufail_count(const pt_ufail_t *w)
{
    return pt_csvw_count(w->w) - 1;     /* the header */
}

apr_status_t pt_ufail_close(pt_ufail_t *w)
{
    return pt_csvw_flush(w->w);
}
