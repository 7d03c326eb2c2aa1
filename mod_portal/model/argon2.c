/*
 * argon2.c -- the gate in front of password hashing, and the work
 * it lets through, counted.
 *
 * Each argon2id computation takes PortalArgon2 m (19 MiB by default) of
 * memory for its duration.  Unchecked, a flood of sign-ins (or of
 * sign-ups) would run one per worker thread at once: a hundred threads
 * are two gigabytes.  The gate is a counting semaphore per child process
 * (apr_thread_mutex + apr_thread_cond): a request runs its computation
 * only while fewer than PortalArgon2Concurrency run in this process (the
 * value of the request's <Location>), waits up to PortalArgon2Wait for a
 * place otherwise, and then gets 503 with Retry-After, having computed
 * nothing.
 *
 * Every computation a request does is counted in its note
 * "portal-argon2" (a LogFormat can log %{portal-argon2}n): the tests use
 * it to check that every path that does not sign in does the same work.
 */
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "apr_thread_cond.h"
#include "apr_time.h"

#include "portal.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

#define NOTE "portal-argon2"

typedef struct gate_t {
    apr_thread_mutex_t *mu;
    apr_thread_cond_t *cv;
    int running;
} gate_t;

/* This child's gate; made in child_init, gone with the child's pool. */
static gate_t *gate;

static apr_status_t gate_cleanup(void *data)
{
    if (gate == data) {
        gate = NULL;
    }
    return APR_SUCCESS;
}

void portal_argon2_child_init(apr_pool_t *pchild, server_rec *s)
{
    gate_t *g = apr_pcalloc(pchild, sizeof(*g));
    apr_status_t rv;

    rv = apr_thread_mutex_create(&g->mu, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&g->cv, pchild);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(1020)
                     "cannot make the argon2 gate: password hashing is not "
                     "limited in this process");
        return;
    }
    apr_pool_cleanup_register(pchild, g, gate_cleanup,
                              apr_pool_cleanup_null);
    gate = g;
}

/* Take a place: OK, or HTTP_SERVICE_UNAVAILABLE after the wait. */
static int gate_enter(portal_req_t *req)
{
    int max = portal_argon2_max(req->dir), full;
    apr_interval_time_t wait = portal_argon2_wait(req->dir);
    apr_time_t until = apr_time_now() + wait;

    if (!gate) {
        return OK;
    }
    apr_thread_mutex_lock(gate->mu);
    while ((full = gate->running >= max) && wait > 0) {
        apr_time_t now = apr_time_now();

        if (now >= until) {
            break;
        }
        apr_thread_cond_timedwait(gate->cv, gate->mu, until - now);
    }
    full = gate->running >= max;
    if (!full) {
        gate->running++;
    }
    apr_thread_mutex_unlock(gate->mu);
    if (full) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r,
                      PORTAL_LOGNO(1021) "argon2 gate full (%d running) "
                      "for %" APR_TIME_T_FMT " ms: 503 to %s", max,
                      apr_time_as_msec(wait), req->path);
        apr_table_setn(req->r->err_headers_out, "Retry-After", "1");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

static void gate_leave(void)
{
    if (!gate) {
        return;
    }
    apr_thread_mutex_lock(gate->mu);
    gate->running--;
    /* waiters may have different limits: wake them all */
    apr_thread_cond_broadcast(gate->cv);
    apr_thread_mutex_unlock(gate->mu);
}

static void count(portal_req_t *req, unsigned int n)
{
    request_rec *r = req->r;
    const char *v = apr_table_get(r->notes, NOTE);
    apr_int64_t had = v ? apr_atoi64(v) : 0;

    apr_table_setn(r->notes, NOTE, pt_i64(r->pool, had + n));
}

int portal_pw_check(portal_req_t *req, const char *pw, const char *stored,
                    pt_pw_check_t *out)
{
    pt_argon2_params_t params = portal_conf_argon2(req->conf);
    apr_status_t rv;
    int rc = gate_enter(req);

    memset(out, 0, sizeof(*out));
    if (rc != OK) {
        return rc;
    }
    rv = pt_password_check(req->r->pool, pw, stored, &params, out);
    gate_leave();
    count(req, out->argon2);
    if (rv == APR_ENOMEM || rv == APR_EGENERAL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, PORTAL_LOGNO(1022)
                      "argon2 failed while checking a password");
    }
    return OK;
}

int portal_pw_hash(portal_req_t *req, const char *pw, const char **hash)
{
    pt_argon2_params_t params = portal_conf_argon2(req->conf);
    apr_status_t rv;
    int rc = gate_enter(req);

    *hash = NULL;
    if (rc != OK) {
        return rc;
    }
    rv = pt_password_hash(req->r->pool, pw, &params, hash);
    gate_leave();
    if (rv != APR_EINVAL) {
        count(req, 1);      /* EINVAL: refused before any work */
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r, PORTAL_LOGNO(1023)
                      "argon2 failed while hashing a password");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int portal_busy(portal_req_t *req,
                int (*page)(portal_req_t *, int, const char *))
{
    static const char msg[] = "The portal is busy checking passwords right "
                              "now. Please try again in a moment.";

    if (!apr_table_get(req->r->err_headers_out, "Retry-After")) {
        apr_table_setn(req->r->err_headers_out, "Retry-After", "1");
    }
    if (req->want_json || !page) {
        return portal_api_error(req, HTTP_SERVICE_UNAVAILABLE,
                                "service_unavailable", msg);
    }
    return page(req, HTTP_SERVICE_UNAVAILABLE, msg);
}
