/*
 * admin.c -- the administrators' pages: the accounts (/admin, with
 * search and pages), a new account with a role (/admin/users/new), and one
 * account's page (/admin/users/<id>) with its actions: change the role,
 * disable, enable, delete.
 *
 * The router lets only signed-in admins in.  Two rules keep the portal
 * administrable: an admin cannot demote, disable or delete their own
 * account, and nobody can demote, disable or delete the last active
 * admin.  The second is decided inside the action's transaction, after
 * locking the active admins' rows (admins_lock) and reading the account
 * again, so two admins demoting each other at the same moment cannot
 * leave the portal without one.  Every action is logged with who did what
 * to whom.
 *
 * A little over the ~600 lines of the norm: the list, the new account's
 * form and the account's page share the helpers that show an account
 * (its columns, status and roles), which would otherwise be exported
 * between two files for one use each.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_account.h"
#include "pt_store.h"
#include "pt_crypto.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

#define ADMIN_PER_PAGE 25
#define ADMIN_SEARCH_MAX 100    /* bytes of a search */
/* Stored objects a deletion removes while the admin waits; the
 * store-cleanup job removes any more (their store_pending rows are due). */
#define ADMIN_REMOVE_NOW 200

enum { ACT_ROLE, ACT_DISABLE, ACT_ENABLE, ACT_DELETE };

static const struct {
    const char *done;           /* ?done= after it */
    const char *verb;           /* for the log */
    const char *self;           /* why one's own account is refused */
    const char *notice;         /* on the page after it */
} acts[] = {
    { "role", "changed the role of", "You cannot change the role of your "
      "own account: ask another administrator.", "The role is now " },
    { "disabled", "disabled", "You cannot disable your own account.",
      "The account is disabled: it was signed out everywhere and cannot "
      "sign in." },
    { "enabled", "enabled", NULL,
      "The account is enabled: it can sign in again." },
    { "deleted", "deleted", "You cannot delete your own account.", NULL }
};

static const char *when(apr_pool_t *p, const pt_row_t *row, const char *col)
{
    const char *t = pt_fmt_time(p, pt_row_int(row, col));

    return t ? t : "never";
}

static const char *status_of(const pt_row_t *row)
{
    if (pt_row_get(row, "disabled_at")) {
        return "disabled";
    }
    return pt_row_get(row, "email_verified_at") ? "active"
                                                : "unconfirmed email";
}

/* The roles for a <select>, current one selected. */
static json_t *roles_json(const char *current)
{
    json_t *list = json_array();
    int i;

    for (i = 0; i < PORTAL_ROLE_COUNT; i++) {
        const char *name = pt_role_name(i);

        json_array_append_new(list, json_pack(
            "{s:s, s:b}", "name", name,
            "selected", current && !strcmp(current, name)));
    }
    return list;
}

/* The columns shown as they are, and the times shown as text (key: the
 * column without "_at"; "never" when NULL). */
static const char *const list_cols[] = {
    "uuid", "username", "email", "role", "created_at", "last_login_at", NULL
};
static const char *const page_cols[] = {
    "uuid", "username", "first_name", "last_name", "email", "address",
    "role", "last_login_ip", "prev_login_ip", "created_at",
    "email_verified_at", "password_changed_at", "last_login_at",
    "prev_login_at", NULL
};

static void set_cols(apr_pool_t *p, json_t *o, const pt_row_t *row,
                     const char *const *cols)
{
    for (; *cols; cols++) {
        apr_size_t n = strlen(*cols);

        if (n > 3 && !strcmp(*cols + n - 3, "_at")) {
            json_object_set_new(o, apr_pstrmemdup(p, *cols, n - 3),
                                json_string(when(p, row, *cols)));
        }
        else if (pt_row_get(row, *cols)) {
            json_object_set_new(o, strcmp(*cols, "uuid") ? *cols : "id",
                                json_string(pt_row_get(row, *cols)));
        }
    }
}

/* ------------------------------------------------------------ the list */

/* '%word%' for LIKE ... ESCAPE '\': lower case, % _ \ escaped. */
static const char *like_pattern(apr_pool_t *p, const char *q)
{
    const char *s = pt_ascii_lower(p, q);
    char *out = apr_palloc(p, 2 * strlen(s) + 3), *o = out;

    *o++ = '%';
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') {
            *o++ = '\\';
        }
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* s without white space around it; "" for NULL. */
static const char *trimmed(apr_pool_t *p, const char *s)
{
    apr_size_t n;

    if (!s) {
        return "";
    }
    while (apr_isspace(*s)) {
        s++;
    }
    n = strlen(s);
    while (n > 0 && apr_isspace(s[n - 1])) {
        n--;
    }
    return apr_pstrmemdup(p, s, n);
}

static const char *list_url(portal_req_t *req, const char *q, apr_int64_t n)
{
    return apr_psprintf(req->r->pool, "%s/admin?%s%s%spage=%"
                        APR_INT64_T_FMT, req->mount, *q ? "q=" : "",
                        *q ? ap_escape_urlencoded(req->r->pool, q) : "",
                        *q ? "&" : "", n);
}

static json_t *account_row(portal_req_t *req, const pt_row_t *row)
{
    apr_pool_t *p = req->r->pool;
    json_t *a = json_pack("{s:s, s:s, s:I, s:s}", "status", status_of(row),
                          "name", apr_pstrcat(p, pt_row_get(row, "first_name"),
                                              " ", pt_row_get(row,
                                                              "last_name"),
                                              NULL),
                          "files", (json_int_t)pt_row_int(row, "files"),
                          "url", apr_pstrcat(p, req->mount, "/admin/users/",
                                             pt_row_get(row, "uuid"), NULL));

    set_cols(p, a, row, list_cols);
    return a;
}

int portal_admin_get(portal_req_t *req)
{
    apr_pool_t *p = req->r->pool;
    pt_db_t *db = portal_db_get(req);
    const char *q = apr_table_get(req->query, "q"), *pat;
    apr_int64_t total, npages, page, i;
    apr_array_header_t *rows;
    json_t *d, *list, *links;
    pt_row_t *count;

    q = trimmed(p, q);
    if (strlen(q) > ADMIN_SEARCH_MAX) {
        return portal_error(req, HTTP_BAD_REQUEST, apr_psprintf(
            p, "A search can be at most %d characters long.",
            ADMIN_SEARCH_MAX));
    }
    if (!db) {
        return portal_db_fail(req, "listing accounts");
    }
    pat = *q ? like_pattern(p, q) : "";
    if (pt_db_one(db, "admin_users_count", &count,
                  PT_ARGS(pat, pat, pat, pat)) != APR_SUCCESS) {
        return portal_db_fail(req, "admin_users_count");
    }
    total = pt_row_int(count, "n");
    npages = total ? (total + ADMIN_PER_PAGE - 1) / ADMIN_PER_PAGE : 1;
    page = pt_query_int(apr_table_get(req->query, "page"), 1, 1, npages);
    if (pt_db_select(db, "admin_users", &rows,
                     PT_ARGS(pat, pat, pat, pat,
                             pt_i64(p, ADMIN_PER_PAGE),
                             pt_i64(p, (page - 1) * ADMIN_PER_PAGE)))
        != APR_SUCCESS) {
        return portal_db_fail(req, "admin_users");
    }
    d = portal_page_data(req, "Accounts");
    list = json_array();
    for (i = 0; i < rows->nelts; i++) {
        json_array_append_new(list, account_row(
            req, APR_ARRAY_IDX(rows, i, pt_row_t *)));
    }
    links = json_array();
    for (i = 1; npages > 1 && i <= npages; i++) {
        json_array_append_new(links, json_pack(
            "{s:I, s:s, s:b}", "n", (json_int_t)i, "url",
            list_url(req, q, i), "current", i == page));
    }
    json_object_update_new(d, json_pack(
        "{s:o, s:b, s:s, s:I, s:I, s:I, s:b, s:o}", "accounts", list,
        "has_accounts", rows->nelts > 0, "q", q, "total", (json_int_t)total,
        "page", (json_int_t)page, "pages", (json_int_t)npages,
        "has_pages", npages > 1, "page_links", links));
    if (page > 1) {
        json_object_set_new(d, "prev_url", json_string(
                            list_url(req, q, page - 1)));
    }
    if (page < npages) {
        json_object_set_new(d, "next_url", json_string(
                            list_url(req, q, page + 1)));
    }
    if (apr_table_get(req->query, "deleted")) {
        json_object_set_new(d, "notice", json_string(
            "The account and its files were deleted."));
    }
    return portal_render(req, HTTP_OK, "admin", d);
}

/* ------------------------------------------------------------ new account */

static const char *const new_fields[] = {
    "username", "email", "first_name", "last_name", "address", NULL
};

/* The form again with what was entered (never the password). */
static int new_page(portal_req_t *req, int status, const char *error,
                    json_t *errors)
{
    json_t *d = portal_page_data(req, "New account");
    json_t *form = json_object();
    const char *role = portal_form_field(req, "role");
    int i;

    for (i = 0; new_fields[i]; i++) {
        json_object_set_new(form, new_fields[i], json_string(
                            portal_form_field(req, new_fields[i])));
    }
    json_object_set_new(d, "form", form);
    json_object_set_new(d, "roles", roles_json(*role ? role : "client"));
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    if (errors) {
        json_object_set(d, "errors", errors);
    }
    return portal_render(req, status, "admin_new", d);
}

static int new_rerender(portal_req_t *req, int status, const char *error)
{
    return new_page(req, status, error, NULL);
}

int portal_admin_new_get(portal_req_t *req)
{
    return new_page(req, HTTP_OK, NULL, NULL);
}

int portal_admin_new_post(portal_req_t *req)
{
    portal_new_user_t nu;
    const char *uuid;
    json_t *errors;
    int rc;

    if (!portal_form_csrf(req, new_rerender, &rc)) {
        return rc;
    }
    portal_new_user_from_form(req, &nu, portal_form_field(req, "role"));
    nu.verified = 1;
    nu.mail_link = 0;
    rc = portal_user_create(req, &nu, &uuid, NULL, &errors);
    switch (rc) {
    case OK:
        break;
    case HTTP_BAD_REQUEST:
    case HTTP_CONFLICT:
        return new_page(req, rc, "The account was not created: correct the "
                        "fields marked below.", errors);
    case HTTP_INTERNAL_SERVER_ERROR:
        return portal_error(req, rc, "The password could not be stored "
                            "safely. Nothing was saved; please try again.");
    default:
        if (nu.busy) {
            return portal_busy(req, new_rerender);
        }
        return portal_db_fail(req, "creating an account");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, PORTAL_LOGNO(0900)
                  "admin %s created %s account %s", req->user->uuid,
                  nu.role, uuid);
    if (req->want_json) {
        return portal_json(req, HTTP_CREATED, json_pack(
            "{s:s, s:s, s:s}", "id", uuid, "role", nu.role, "url",
            apr_pstrcat(req->r->pool, req->mount, "/admin/users/", uuid,
                        NULL)));
    }
    return portal_redirect(req, apr_pstrcat(req->r->pool, "/admin/users/",
                                            uuid, "?created=1", NULL));
}

/* ------------------------------------------------------------ one account */

/* The account the route names (req->arg); NULL with *rc the response
 * made (404 for an id that is malformed or names nobody). */
static pt_row_t *target_of(portal_req_t *req, int *rc)
{
    pt_db_t *db = portal_db_get(req);
    pt_row_t *row = NULL;

    if (!db) {
        *rc = portal_db_fail(req, "loading an account");
        return NULL;
    }
    if (pt_uuid_valid(req->arg)
        && pt_db_one(db, "user_by_uuid", &row, PT_ARGS(req->arg))
           != APR_SUCCESS) {
        *rc = portal_db_fail(req, "user_by_uuid");
        return NULL;
    }
    if (!row) {
        *rc = portal_error(req, HTTP_NOT_FOUND, "There is no such account.");
    }
    return row;
}

static int user_page(portal_req_t *req, const pt_row_t *row, int status,
                     const char *notice, const char *error)
{
    apr_pool_t *p = req->r->pool;
    json_t *d = portal_page_data(req, pt_row_get(row, "username"));
    json_t *a;
    pt_row_t *files = NULL;

    if (pt_db_one(req->db, "files_count_user", &files,
                  PT_ARGS(pt_row_get(row, "id"))) != APR_SUCCESS) {
        return portal_db_fail(req, "files_count_user");
    }
    a = json_pack("{s:s, s:b, s:b, s:I, s:s, s:s, s:o}",
                  "status", status_of(row),
                  "disabled", pt_row_get(row, "disabled_at") != NULL,
                  "is_self", pt_row_int(row, "id") == req->user->id,
                  "files", (json_int_t)pt_row_int(files, "n"),
                  "files_size", pt_fmt_size(p, pt_row_int(files,
                                                              "bytes")),
                  "url", apr_pstrcat(p, req->mount, "/admin/users/",
                                     pt_row_get(row, "uuid"), NULL),
                  "roles", roles_json(pt_row_get(row, "role")));
    set_cols(p, a, row, page_cols);
    if (pt_row_get(row, "disabled_at")) {
        json_object_set_new(a, "disabled_since", json_string(
                            when(p, row, "disabled_at")));
    }
    json_object_set_new(d, "account", a);
    if (notice) {
        json_object_set_new(d, "notice", json_string(notice));
    }
    if (error) {
        json_object_set_new(d, "error", json_string(error));
    }
    return portal_render(req, status, "admin_user", d);
}

/* The notice for ?created=1 / ?done=ACTION after a redirect. */
static const char *notice_of(portal_req_t *req, const pt_row_t *row)
{
    const char *done = apr_table_get(req->query, "done");
    int i;

    if (apr_table_get(req->query, "created")) {
        return "The account was created. It can sign in now.";
    }
    for (i = 0; done && i < ACT_DELETE; i++) {
        if (!strcmp(done, acts[i].done)) {
            return apr_pstrcat(req->r->pool, acts[i].notice,
                               i == ACT_ROLE ? pt_row_get(row, "role") : "",
                               i == ACT_ROLE ? "." : "", NULL);
        }
    }
    return NULL;
}

/* The account's page; with an error, or else the notice of ?done=. */
static int user_rerender(portal_req_t *req, int status, const char *error)
{
    int rc;
    pt_row_t *row = target_of(req, &rc);

    if (!row) {
        return rc;
    }
    return user_page(req, row, status, error ? NULL : notice_of(req, row),
                     error);
}

int portal_admin_user_get(portal_req_t *req)
{
    return user_rerender(req, HTTP_OK, NULL);
}

/* ------------------------------------------------------------ actions */

/* Would act leave row's account no longer an active admin? */
static int takes_admin(const pt_row_t *row, int act, const char *role)
{
    if (strcmp(pt_row_get(row, "role"), "admin")
        || pt_row_get(row, "disabled_at") || act == ACT_ENABLE) {
        return 0;
    }
    return act != ACT_ROLE || strcmp(role, "admin");
}

/* The statements of act on the account id, inside the transaction; a
 * deletion gets the storage keys of its files in *keys. */
static apr_status_t act_sql(pt_db_t *db, apr_pool_t *p, int act,
                            const char *id, const char *role,
                            apr_array_header_t **keys)
{
    apr_status_t rv;

    switch (act) {
    case ACT_ROLE:
        return pt_db_exec(db, "user_set_role", NULL, PT_ARGS(role, id));
    case ACT_DISABLE:
        rv = pt_db_exec(db, "user_disable", NULL,
                        PT_ARGS(pt_i64(p, apr_time_sec(apr_time_now())),
                                id));
        return rv ? rv : pt_db_exec(db, "sessions_delete_user", NULL,
                                    PT_ARGS(id));
    case ACT_ENABLE:
        return pt_db_exec(db, "user_enable", NULL, PT_ARGS(id));
    default:
        rv = pt_db_select(db, "user_file_keys", keys, PT_ARGS(id));
        if (!rv) {
            rv = pt_db_exec(db, "pending_insert_all", NULL, PT_ARGS(id));
        }
        return rv ? rv : pt_db_exec(db, "user_delete", NULL, PT_ARGS(id));
    }
}

/* Remove a deleted account's objects from the store (at most
 * ADMIN_REMOVE_NOW of them), each one's store_pending row after it; an
 * object that cannot be removed now keeps its row for the store-cleanup
 * job.  Returns how many were removed. */
static int remove_objects(portal_req_t *req, apr_array_header_t *keys)
{
    apr_pool_t *it;
    int i, removed = 0;

    apr_pool_create(&it, req->r->pool);
    for (i = 0; i < keys->nelts && i < ADMIN_REMOVE_NOW; i++) {
        const char *key = pt_row_get(APR_ARRAY_IDX(keys, i, pt_row_t *),
                                     "storage_key");
        pt_err_t err = { 0 };
        apr_status_t rv;

        apr_pool_clear(it);
        rv = pt_store_remove(portal_files_store(req->conf), it, key, &err);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                          PORTAL_LOGNO(0901) "removing object %s of a "
                          "deleted account (left to store-cleanup): %s",
                          key, pt_err_str(&err, it));
            continue;
        }
        removed++;
        rv = pt_db_exec(req->db, "pending_delete", NULL, PT_ARGS(key));
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                          PORTAL_LOGNO(0902) "pending_delete: %s",
                          req->db->errmsg);
        }
    }
    apr_pool_destroy(it);
    return removed;
}

/* What the four actions share: the CSRF check, the account, the rules,
 * one transaction, the log line and the answer. */
static int admin_act(portal_req_t *req, int act)
{
    request_rec *r = req->r;
    apr_array_header_t *keys = NULL;
    const char *role = NULL, *id, *refused = NULL;
    pt_row_t *row, *now = NULL, *others = NULL;
    pt_db_t *db;
    apr_status_t rv;
    int rc;

    if (!portal_form_csrf(req, user_rerender, &rc)) {
        return rc;
    }
    row = target_of(req, &rc);
    if (!row) {
        return rc;
    }
    db = req->db;
    id = pt_row_get(row, "id");
    if (acts[act].self && pt_row_int(row, "id") == req->user->id) {
        return user_page(req, row, HTTP_BAD_REQUEST, NULL, acts[act].self);
    }
    if (act == ACT_ROLE) {
        role = portal_form_field(req, "role");
        if (!portal_role_bit(role)) {
            return user_page(req, row, HTTP_BAD_REQUEST, NULL, "Choose one "
                             "of the roles client, operations or admin.");
        }
    }
    if (act == ACT_DELETE && strcmp(portal_form_field(req, "confirm"),
                                    "yes")) {
        return user_page(req, row, HTTP_BAD_REQUEST, NULL, "Tick the box "
                         "to confirm that the account and all its files "
                         "are to be deleted.");
    }

    /* the rules on the account as it is now, the admins' rows locked */
    rv = pt_db_run_named(db, "tx_begin");
    if (!rv) {
        rv = pt_db_exec(db, "admins_lock", NULL, PT_NOARGS);
    }
    if (!rv) {
        rv = pt_db_one(db, "user_by_uuid", &now, PT_ARGS(req->arg));
    }
    if (!rv && now && takes_admin(now, act, role)) {
        rv = pt_db_one(db, "admins_active", &others, PT_ARGS(id));
        if (!rv && pt_row_int(others, "n") == 0) {
            refused = "This is the last active administrator account: make "
                      "another account an administrator first.";
        }
    }
    if (!rv && now && !refused) {
        rv = act_sql(db, r->pool, act, id, role, &keys);
    }
    if (!rv && now && !refused) {
        rv = pt_db_run_named(db, "tx_commit");
    }
    if (rv || !now || refused) {
        const char *msg = db->errmsg;

        pt_db_run_named(db, "tx_rollback");
        db->errmsg = msg;
        if (rv) {
            return portal_db_fail(req, "an account action");
        }
        if (!now) {
            return portal_error(req, HTTP_NOT_FOUND, "There is no such "
                                "account.");
        }
    }
    if (refused) {
        /* a decision, not a failed call */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0903)
                      "refused, the last active admin: admin %s %s "
                      "user %s",
                      req->user->uuid, acts[act].verb, req->arg);
        return user_page(req, now, HTTP_BAD_REQUEST, NULL, refused);
    }

    if (act == ACT_DELETE) {
        int removed = remove_objects(req, keys);

        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0904)
                      "admin %s deleted user %s (%s) and %d of its %d "
                      "stored files", req->user->uuid, req->arg,
                      pt_row_get(now, "username"), removed, keys->nelts);
        if (req->want_json) {
            return portal_json(req, HTTP_OK, json_pack(
                "{s:s, s:i}", "deleted", req->arg, "files", keys->nelts));
        }
        return portal_redirect(req, "/admin?deleted=1");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PORTAL_LOGNO(0905)
                  "admin %s %s user %s%s", req->user->uuid, acts[act].verb,
                  req->arg, role ? apr_pstrcat(r->pool, " from ",
                                               pt_row_get(now, "role"),
                                               " to ", role, NULL) : "");
    if (req->want_json) {
        apr_table_setn(req->query, "done", acts[act].done);
        return portal_admin_user_get(req);
    }
    return portal_redirect(req, apr_pstrcat(r->pool, "/admin/users/",
                                            req->arg, "?done=",
                                            acts[act].done, NULL));
}

int portal_admin_role_post(portal_req_t *req)
{
    return admin_act(req, ACT_ROLE);
}

int portal_admin_disable_post(portal_req_t *req)
{
    return admin_act(req, ACT_DISABLE);
}

int portal_admin_enable_post(portal_req_t *req)
{
    return admin_act(req, ACT_ENABLE);
}

int portal_admin_delete_post(portal_req_t *req)
{
    return admin_act(req, ACT_DELETE);
}
