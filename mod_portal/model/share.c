/*
 * share.c -- who sees a file besides its owner.
 *
 * Operations (and admin) accounts publish what they upload: to every
 * client ('clients'), to named client accounts ('named', the rows of
 * file_shares) or to nobody yet ('private').  With public_links the
 * file's download links work for whoever holds them; otherwise a link
 * issued to a client (GET /api/client/download/{id}) works only for that
 * client.  A client reads what is published to it and its own uploads;
 * anything else answers 404, so a file's existence does not leak.
 */
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_hash.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_validate.h"

APLOG_USE_MODULE(portal);

#define PUBLISH_MAX_CLIENTS 1000

int portal_publish(portal_req_t *req, pt_db_t *db, apr_int64_t file_id,
                   const char *audience, const char *clients,
                   int public_links, const char **msg)
{
    apr_pool_t *p = req->r->pool;
    const char *id = pt_i64(p, file_id);
    apr_hash_t *seen = apr_hash_make(p);
    char *list, *name, *last;
    int n = 0;

    if (strcmp(audience, "private") && strcmp(audience, "clients")
        && strcmp(audience, "named")) {
        *msg = "audience must be private, clients or named.";
        return HTTP_BAD_REQUEST;
    }
    if (pt_db_exec(db, "file_shares_clear", NULL, PT_ARGS(id))
        != APR_SUCCESS) {
        *msg = "The file's sharing could not be changed. Please try again.";
        return HTTP_SERVICE_UNAVAILABLE;
    }
    list = apr_pstrdup(p, clients ? clients : "");
    for (name = apr_strtok(list, ", \t\r\n", &last); name;
         name = apr_strtok(NULL, ", \t\r\n", &last)) {
        const char *lc = pt_ascii_lower(p, name);
        int added = 0;

        if (strcmp(audience, "named")) {
            break;              /* names only matter for 'named' */
        }
        if (apr_hash_get(seen, lc, APR_HASH_KEY_STRING)) {
            continue;
        }
        if (++n > PUBLISH_MAX_CLIENTS) {
            *msg = apr_psprintf(p, "Name at most %d clients.",
                                PUBLISH_MAX_CLIENTS);
            return HTTP_BAD_REQUEST;
        }
        apr_hash_set(seen, lc, APR_HASH_KEY_STRING, lc);
        if (pt_db_exec(db, "file_share_add", &added,
                       PT_ARGS(id, lc, lc, id)) != APR_SUCCESS) {
            *msg = "The file's sharing could not be changed. Please try "
                   "again.";
            return HTTP_SERVICE_UNAVAILABLE;
        }
        if (!added) {
            *msg = apr_psprintf(p, "There is no client account called "
                                "\"%s\".", name);
            return HTTP_BAD_REQUEST;
        }
    }
    if (!strcmp(audience, "named") && !n) {
        *msg = "Name the clients to share the file with (usernames or "
               "email addresses).";
        return HTTP_BAD_REQUEST;
    }
    if (pt_db_exec(db, "file_publish", NULL,
                   PT_ARGS(audience, public_links ? "1" : "0", id))
        != APR_SUCCESS) {
        *msg = "The file's sharing could not be changed. Please try again.";
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

/* Sharing of an owned file row (audience, public_links, the clients). */
static void sharing_json(portal_req_t *req, pt_db_t *db, pt_row_t *row,
                         json_t *f)
{
    apr_array_header_t *rows;
    json_t *names = json_array();
    int i;

    if (pt_db_select(db, "file_shares_of", &rows,
                     PT_ARGS(pt_row_get(row, "id"))) == APR_SUCCESS) {
        for (i = 0; i < rows->nelts; i++) {
            json_array_append_new(names, json_string(pt_row_get(
                APR_ARRAY_IDX(rows, i, pt_row_t *), "username")));
        }
    }
    json_object_set_new(f, "audience", json_string(pt_row_get(row,
                                                              "audience")));
    json_object_set_new(f, "public_links",
                        json_boolean(pt_row_int(row, "public_links")));
    json_object_set_new(f, "clients", names);
}

json_t *portal_file_meta(portal_req_t *req, const char *uuid)
{
    pt_db_t *db = portal_db_get(req);
    pt_row_t *row = NULL;
    json_t *f;

    if (!db || pt_db_one(db, "file_of_user", &row,
                         PT_ARGS(uuid, pt_i64(req->r->pool,
                                                  req->user->id)))
               != APR_SUCCESS || !row) {
        return json_pack("{s:s}", "id", uuid);
    }
    f = portal_file_json(req, uuid, pt_row_get(row, "name"),
                         pt_row_int(row, "size"),
                         pt_row_get(row, "content_type"),
                         pt_row_get(row, "sha256"),
                         pt_row_int(row, "created_at"));
    sharing_json(req, db, row, f);
    return f;
}

void portal_file_sharing(portal_req_t *req, pt_row_t *row, json_t *f)
{
    pt_db_t *db = portal_db_get(req);
    const char *text = "";
    json_t *names;
    size_t i;

    if (!db) {
        return;
    }
    sharing_json(req, db, row, f);
    /* for the form: the names as typed, and which choice is current */
    names = json_object_get(f, "clients");
    for (i = 0; i < json_array_size(names); i++) {
        text = apr_pstrcat(req->r->pool, text, i ? ", " : "",
                           json_string_value(json_array_get(names, i)),
                           NULL);
    }
    json_object_set_new(f, "clients_text", json_string(text));
    json_object_set_new(f, apr_pstrcat(req->r->pool, "is_",
                                       pt_row_get(row, "audience"), NULL),
                        json_true());
}

json_t *portal_shared_files(portal_req_t *req, apr_int64_t page,
                            apr_int64_t per, apr_int64_t *total)
{
    apr_pool_t *p = req->r->pool;
    pt_db_t *db = portal_db_get(req);
    const char *uid = pt_i64(p, req->user->id);
    apr_array_header_t *rows;
    pt_row_t *count;
    json_t *list;
    int i;

    if (!db
        || pt_db_select(db, "files_for_client", &rows,
                        PT_ARGS(uid, pt_i64(p, per),
                                pt_i64(p, (page - 1) * per)))
           != APR_SUCCESS) {
        return NULL;
    }
    if (rows->nelts) {
        *total = pt_row_int(APR_ARRAY_IDX(rows, 0, pt_row_t *), "total");
    }
    else if (page == 1) {
        *total = 0;
    }
    else if (pt_db_one(db, "files_for_client_count", &count, PT_ARGS(uid))
             != APR_SUCCESS) {
        return NULL;
    }
    else {
        *total = pt_row_int(count, "n");
    }
    list = json_array();
    for (i = 0; i < rows->nelts; i++) {
        pt_row_t *row = APR_ARRAY_IDX(rows, i, pt_row_t *);
        json_t *f = portal_file_json(req, pt_row_get(row, "uuid"),
                                     pt_row_get(row, "name"),
                                     pt_row_int(row, "size"),
                                     pt_row_get(row, "content_type"),
                                     pt_row_get(row, "sha256"),
                                     pt_row_int(row, "created_at"));

        json_object_set_new(f, "owner", json_string(pt_row_get(row,
                                                               "owner")));
        json_array_append_new(list, f);
    }
    return list;
}

