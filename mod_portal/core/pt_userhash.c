/*
 * pt_userhash.c -- argon2id hashes of a batch on K threads (see
 * pt_userhash.h).
 *
 * Shared state is one mutex and one condition: a thread takes the next
 * index under the mutex, hashes without it, stores its result and counts
 * it under it, and signals; the calling thread waits on the condition and
 * reports progress until every index is done, then joins the threads.
 */
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include "pt_userhash.h"

typedef struct batch_t {
    const char *const *pw;
    apr_size_t n;
    const pt_argon2_params_t *params;
    const char **result;        /* strings in the threads' pools */
    apr_thread_mutex_t *mu;
    apr_thread_cond_t *cond;
    apr_size_t next;            /* the next index to take */
    apr_size_t done;            /* indexes finished (hashed or skipped) */
    apr_status_t rv;            /* the first failure */
    apr_size_t failed_at;
} batch_t;

typedef struct worker_t {
    batch_t *b;
    apr_pool_t *pool;           /* with an allocator of its own */
} worker_t;

unsigned int pt_userhash_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1) {
        return 1;
    }
    return n > PT_USERHASH_MAX_THREADS ? PT_USERHASH_MAX_THREADS
                                       : (unsigned int)n;
}

static void *APR_THREAD_FUNC work(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    batch_t *b = w->b;

    for (;;) {
        apr_size_t i;
        const char *h = NULL;
        apr_status_t rv = APR_SUCCESS;

        apr_thread_mutex_lock(b->mu);
        if (b->rv != APR_SUCCESS || b->next >= b->n) {
            apr_thread_mutex_unlock(b->mu);
            break;
        }
        i = b->next++;
        apr_thread_mutex_unlock(b->mu);

        if (b->pw[i]) {
            rv = pt_password_hash(w->pool, b->pw[i], b->params, &h);
        }

        apr_thread_mutex_lock(b->mu);
        b->result[i] = h;
        if (rv != APR_SUCCESS && b->rv == APR_SUCCESS) {
            b->rv = rv;
            b->failed_at = i;
        }
        b->done++;
        apr_thread_cond_signal(b->cond);
        apr_thread_mutex_unlock(b->mu);
    }
    /* a plain return, not apr_thread_exit(): its pthread_exit unwinding
     * upsets AddressSanitizer's thread teardown, and the join needs only
     * the thread gone */
    return NULL;
}

/* A pool for one thread: a child of p (destroyed with it) that allocates
 * from an allocator of its own, so threads never share one. */
static apr_status_t thread_pool(apr_pool_t *p, apr_pool_t **out)
{
    apr_allocator_t *a;
    apr_status_t rv = apr_allocator_create(&a);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_pool_create_ex(out, p, NULL, a);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(a);
        return rv;
    }
    apr_allocator_owner_set(a, *out);
    return APR_SUCCESS;
}

apr_status_t pt_userhash_batch(apr_pool_t *p, const char *const *pw,
                               apr_size_t n,
                               const pt_argon2_params_t *params,
                               unsigned int threads,
                               pt_userhash_progress_fn progress, void *baton,
                               const char **out, pt_err_t *err)
{
    batch_t *b;
    apr_pool_t *scratch;
    apr_thread_t **tids;
    worker_t *ws;
    apr_size_t i, reported = 0;
    unsigned int k, started = 0;
    apr_status_t rv;

    for (i = 0; i < n; i++) {
        out[i] = NULL;
        if (pw[i] && strlen(pw[i]) > PT_PASSWORD_MAX_LEN) {
            pt_err_set(err, p, NULL, 0, "password %" APR_SIZE_T_FMT
                       " of the batch is longer than %d bytes", i,
                       PT_PASSWORD_MAX_LEN);
            return APR_EINVAL;
        }
    }
    if (n == 0) {
        return APR_SUCCESS;
    }
    if (threads == 0) {
        threads = pt_userhash_cpus();
    }
    if (threads > PT_USERHASH_MAX_THREADS) {
        threads = PT_USERHASH_MAX_THREADS;
    }
    if (threads > n) {
        threads = (unsigned int)n;
    }
    apr_pool_create(&scratch, p);
    b = apr_pcalloc(scratch, sizeof(*b));
    b->pw = pw;
    b->n = n;
    b->params = params;
    b->result = apr_pcalloc(scratch, sizeof(char *) * n);
    rv = apr_thread_mutex_create(&b->mu, APR_THREAD_MUTEX_DEFAULT, scratch);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&b->cond, scratch);
    }
    tids = apr_pcalloc(scratch, sizeof(*tids) * threads);
    ws = apr_pcalloc(scratch, sizeof(*ws) * threads);
    for (k = 0; rv == APR_SUCCESS && k < threads; k++) {
        ws[k].b = b;
        rv = thread_pool(scratch, &ws[k].pool);
        if (rv == APR_SUCCESS) {
            rv = apr_thread_create(&tids[k], NULL, work, &ws[k], scratch);
        }
        if (rv == APR_SUCCESS) {
            started++;
        }
    }
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, NULL, 0, "cannot start the hashing threads");
        if (b->mu) {
            /* stop those started: nothing more to take */
            apr_thread_mutex_lock(b->mu);
            b->rv = rv;
            apr_thread_mutex_unlock(b->mu);
        }
    }
    else {
        apr_thread_mutex_lock(b->mu);
        while (b->done < n && b->rv == APR_SUCCESS) {
            apr_thread_cond_wait(b->cond, b->mu);
            if (progress && b->done > reported && b->rv == APR_SUCCESS) {
                apr_size_t d = b->done;

                apr_thread_mutex_unlock(b->mu);
                progress(baton, d, n);
                reported = d;
                apr_thread_mutex_lock(b->mu);
            }
        }
        rv = b->rv;
        apr_thread_mutex_unlock(b->mu);
        if (rv != APR_SUCCESS) {
            pt_err_set(err, p, NULL, 0, "hashing password %" APR_SIZE_T_FMT
                       " of the batch failed", b->failed_at);
        }
    }
    for (k = 0; k < started; k++) {
        apr_status_t trv;

        apr_thread_join(&trv, tids[k]);
    }
    if (rv == APR_SUCCESS) {
        for (i = 0; i < n; i++) {
            out[i] = b->result[i] ? apr_pstrdup(p, b->result[i]) : NULL;
        }
        if (progress && reported < n) {
            progress(baton, n, n);
        }
    }
    apr_pool_destroy(scratch);
    return rv;
}
