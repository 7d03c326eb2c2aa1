/*
 * mail_build.c -- a message made from its outbox row when it is
 * sent, never before.
 *
 * Encryption at rest holds for the outbox too: an outbox row keeps the
 * template, the recipient and data that is not secret (sql/<dialect>/
 * 007_mail_at_send.sql).  What must not rest in the database is made
 * here, for each delivery attempt, just before the message is handed
 * over:
 *
 *   - a link's single-use token (verify_email, reset_password): a new one
 *     for the account, whose older unused ones are retired; only its
 *     SHA-256 is stored (auth_tokens), and the link lives `lifetime`
 *     seconds from now;
 *   - a 6-digit code (change_password): a new one, whose HMAC replaces
 *     the id of the pending change's auth_tokens row while that change
 *     still waits (the row is named by the outbox row's secret_ref);
 *   - the attachment of an upload confirmation: the file decrypted from
 *     the store.
 *
 * An attempt that is not delivered has its link token retired again
 * (portal_mail_unbuild), and a retry makes new ones, so the only link that
 * ever works is one that was handed over.  A secret is made only for an
 * account that still exists, is not disabled and still has the address
 * the mail goes to; otherwise the mail is cancelled.
 */
#include "apr_strings.h"
#include "apr_time.h"

#include "portal.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"
#include "pt_crypto.h"
#include "pt_mail.h"
#include "pt_validate.h"
#include "pt_vault.h"

APLOG_USE_MODULE(portal);

#define MAIL_MAX (16 * 1024 * 1024)

static void outcome(portal_mail_built_t *b, portal_mail_outcome_e o,
                    const char *why)
{
    b->outcome = o;
    b->why = why;
}

static const char *db_why(apr_pool_t *p, pt_db_t *db)
{
    return apr_pstrcat(p, "database: ", db->errmsg ? db->errmsg : "failed",
                       NULL);
}

/* A new link token for the account (its older unused ones of the purpose
 * retired), in one transaction: data.link. */
static void add_link(const pt_row_t *row, pt_db_t *db, apr_pool_t *p,
                     const char *uid, const char *purpose, json_t *data,
                     portal_mail_built_t *b)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_int64_t lifetime = pt_row_int(row, "secret_lifetime");
    const char *tok, *hash, *path;

    if (pt_token_new(p, &tok) != APR_SUCCESS) {
        outcome(b, PORTAL_MAIL_RETRY, "no random token could be made");
        return;
    }
    if (lifetime <= 0) {
        lifetime = PORTAL_RESET_LIFETIME;
    }
    hash = pt_sha256_hex(p, tok, strlen(tok));
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
        || pt_db_exec(db, "tokens_retire", NULL,
                      PT_ARGS(pt_i64(p, now), uid, purpose))
           != APR_SUCCESS
        || pt_db_exec(db, "token_insert", NULL,
                      PT_ARGS(hash, uid, purpose, pt_i64(p, now),
                              pt_i64(p, now + lifetime), NULL))
           != APR_SUCCESS
        || pt_db_run_named(db, "tx_commit") != APR_SUCCESS) {
        const char *why = db_why(p, db);

        pt_db_run_named(db, "tx_rollback");
        outcome(b, PORTAL_MAIL_RETRY, why);
        return;
    }
    b->token_hash = hash;
    path = !strcmp(purpose, "verify_email") ? "/verify_email?token="
                                            : "/reset_password?token=";
    json_object_set_new(data, "link", json_string(apr_pstrcat(
                        p, pt_row_get(row, "link_base"), path, tok, NULL)));
}

/* A new 6-digit code for the pending change named by secret_ref: data.code
 * (cancelled when the change no longer waits). */
static void add_code(server_rec *s, const pt_row_t *row, pt_db_t *db,
                     apr_pool_t *p, const char *uid, json_t *data,
                     portal_mail_built_t *b)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const char *code, *hash, *ref = pt_row_get(row, "secret_ref");
    int n = 0;

    if (!ref) {
        outcome(b, PORTAL_MAIL_FAIL, "the code's change is not named");
        return;
    }
    if (pt_code6_new(p, &code) != APR_SUCCESS) {
        outcome(b, PORTAL_MAIL_RETRY, "no random code could be made");
        return;
    }
    hash = portal_code_hmac(p, portal_conf_secret(c), uid, code);
    if (pt_db_run_named(db, "tx_begin") != APR_SUCCESS
        || pt_db_exec(db, "mail_code_set", &n,
                      PT_ARGS(hash, ref, pt_i64(p, apr_time_sec(
                          apr_time_now())))) != APR_SUCCESS
        || (n == 1 && pt_db_exec(db, "outbox_set_ref", NULL,
                                 PT_ARGS(hash, pt_row_get(row, "id")))
                      != APR_SUCCESS)
        || pt_db_run_named(db, n == 1 ? "tx_commit" : "tx_rollback")
           != APR_SUCCESS) {
        const char *why = db_why(p, db);

        pt_db_run_named(db, "tx_rollback");
        outcome(b, PORTAL_MAIL_RETRY, why);
        return;
    }
    if (n != 1) {
        outcome(b, PORTAL_MAIL_CANCEL, "the password change this code "
                "confirms is no longer waiting");
        return;
    }
    json_object_set_new(data, "code", json_string(code));
}

/* The secret the row asks for, for an account that may still have it. */
static void add_secret(server_rec *s, const pt_row_t *row, pt_db_t *db,
                       apr_pool_t *p, json_t *data, portal_mail_built_t *b)
{
    const char *secret = pt_row_get(row, "secret");
    const char *uid = pt_row_get(row, "user_id");
    pt_row_t *u = NULL;

    if (!secret) {
        return;
    }
    if (!uid) {
        outcome(b, PORTAL_MAIL_CANCEL, "the account no longer exists");
        return;
    }
    if (pt_db_one(db, "mail_user", &u, PT_ARGS(uid)) != APR_SUCCESS) {
        outcome(b, PORTAL_MAIL_RETRY, db_why(p, db));
        return;
    }
    if (!u) {
        outcome(b, PORTAL_MAIL_CANCEL, "the account no longer exists");
        return;
    }
    if (pt_row_get(u, "disabled_at")) {
        outcome(b, PORTAL_MAIL_CANCEL, "the account is disabled");
        return;
    }
    if (strcmp(pt_row_get(u, "email_lc"),
               pt_ascii_lower(p, pt_row_get(row, "to_addr")))) {
        outcome(b, PORTAL_MAIL_CANCEL, "the account no longer has this "
                "address");
        return;
    }
    if (!strcmp(secret, "change_password")) {
        add_code(s, row, db, p, uid, data, b);
    }
    else {
        add_link(row, db, p, uid, secret, data, b);
    }
}

static apr_status_t buf_sink(void *baton, const char *data, apr_size_t len)
{
    return pt_buf_append(baton, data, len);
}

/* The upload confirmation's file, decrypted, when it is small enough and
 * can be read (otherwise the mail carries its link only: logged). */
static apr_array_header_t *attachment(server_rec *s, pt_db_t *db,
                                      apr_pool_t *p, const char *file_id,
                                      portal_mail_built_t *b)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const char *uuid, *why = NULL;
    const unsigned char *dk;
    apr_array_header_t *atts;
    pt_mail_attachment_t *a;
    pt_row_t *f = NULL;
    apr_off_t size;
    pt_buf_t buf;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (pt_db_one(db, "mail_file", &f, PT_ARGS(file_id)) != APR_SUCCESS) {
        outcome(b, PORTAL_MAIL_RETRY, db_why(p, db));
        return NULL;
    }
    if (!f) {
        return NULL;            /* deleted since: nothing to attach */
    }
    size = pt_row_int(f, "size");
    if (size <= 0 || size > portal_files_attach_max(c)) {
        return NULL;
    }
    uuid = pt_row_get(f, "uuid");
    dk = portal_file_key(c, p, uuid, pt_row_get(f, "wrapped_key"), &why);
    if (!dk) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PORTAL_LOGNO(0350) "%s",
                     why);
        return NULL;
    }
    pt_buf_init(&buf, p, (apr_size_t)size + 1, (apr_size_t)size + 1);
    rv = pt_vault_get(p, portal_files_store(c), pt_row_get(f, "storage_key"),
                      dk, size, 0, -1, buf_sink, &buf, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PORTAL_LOGNO(0351)
                     "file %s cannot be read for its mail: %s", uuid,
                     pt_err_str(&err, p));
        return NULL;
    }
    atts = apr_array_make(p, 1, sizeof(pt_mail_attachment_t));
    a = apr_array_push(atts);
    a->filename = pt_row_get(f, "name");
    a->content_type = pt_row_get(f, "content_type");
    a->data = buf.data;
    a->len = buf.len;
    return atts;
}

void portal_mail_build(server_rec *s, pt_db_t *db, apr_pool_t *p,
                       const pt_row_t *row, portal_mail_built_t *b)
{
    const portal_srv_t *c = portal_cfg_of(s);
    const char *name = pt_row_get(row, "template");
    const char *file_id = pt_row_get(row, "file_id");
    const char *stored = pt_row_get(row, "data");
    apr_array_header_t *atts = NULL;
    pt_err_t err = { 0 };
    const char *msgid;
    json_t *data;
    pt_mail_t m;

    memset(b, 0, sizeof(*b));
    b->outcome = PORTAL_MAIL_BUILT;
    if (!name) {
        /* queued before the outbox kept data instead of messages */
        b->msg = pt_row_get(row, "message");
        if (!b->msg) {
            outcome(b, PORTAL_MAIL_FAIL, "the message was purged");
            return;
        }
        b->len = strlen(b->msg);
        return;
    }
    data = pt_json_pool(p, stored ? json_loads(stored, 0, NULL)
                                      : json_object());
    if (!json_is_object(data)) {
        outcome(b, PORTAL_MAIL_FAIL, "the message's data is not a JSON "
                "object");
        return;
    }
    if (!json_object_get(data, "site")) {
        json_object_set_new(data, "site", json_string(
                            portal_conf_site_name(c)));
    }
    add_secret(s, row, db, p, data, b);
    if (b->outcome != PORTAL_MAIL_BUILT) {
        return;
    }
    if (file_id) {
        atts = attachment(s, db, p, file_id, b);
        if (b->outcome != PORTAL_MAIL_BUILT) {
            portal_mail_unbuild(db, p, b);
            return;
        }
        json_object_set_new(data, "attached", json_boolean(atts != NULL));
    }
    memset(&m, 0, sizeof(m));
    if (portal_mail_render(s, p, name, data, &m.subject, &m.text, &m.html)
        != APR_SUCCESS) {
        portal_mail_unbuild(db, p, b);
        outcome(b, PORTAL_MAIL_FAIL, apr_pstrcat(p, "mail template ", name,
                                                 " cannot be rendered",
                                                 NULL));
        return;
    }
    /* without a display name in PortalMailFrom: the site name of the
     * server the mail was queued on (kept in its data) */
    m.from_name = portal_conf_mail_from_name(c);
    if (!m.from_name) {
        m.from_name = json_string_value(json_object_get(data, "site"));
    }
    m.from_addr = portal_conf_mail_from(c);
    m.to_name = pt_row_get(row, "to_name");
    m.to_addr = pt_row_get(row, "to_addr");
    m.attachments = atts;
    m.msgid = pt_row_get(row, "message_id");
    if (pt_mail_build(p, &m, &b->msg, &b->len, &msgid, &err)
        != APR_SUCCESS) {
        portal_mail_unbuild(db, p, b);
        outcome(b, PORTAL_MAIL_FAIL, apr_pstrcat(p, "building the message: ",
                                                 pt_err_str(&err, p), NULL));
    }
}

void portal_mail_unbuild(pt_db_t *db, apr_pool_t *p,
                         const portal_mail_built_t *b)
{
    if (b->token_hash) {
        pt_db_exec(db, "token_use", NULL,
                   PT_ARGS(pt_i64(p, apr_time_sec(apr_time_now())),
                           b->token_hash));
    }
}
