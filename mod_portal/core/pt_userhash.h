/*
 * pt_userhash.h -- hashing many passwords with argon2id on every core,
 * for bulk imports (portalctl user import hashes 100,000 plaintext
 * passwords; at 19 MiB and two passes each, one core does about 20 a
 * second).
 *
 * The caller hands over a batch (a few hundred passwords: what it can
 * insert in one go) and gets the PHC strings back in the same order.  The
 * batch is shared out to K threads (apr threads), each taking the next
 * password not yet taken, so a slow hash does not hold the others up.
 * Each thread has a pool with its own allocator; the results are copied
 * into the caller's pool.  The progress function runs in the calling
 * thread only (it is never called concurrently), as hashes finish.
 *
 * Memory: K x the argon2 memory cost at once (19 MiB each by default).
 * Not for the web server's request threads: portal_argon2.c's gate is the
 * one that bounds hashing there.
 */
#ifndef PT_USERHASH_H
#define PT_USERHASH_H

#include "pt_core.h"
#include "pt_password.h"

#define PT_USERHASH_MAX_THREADS 64

/* The number of online processors (at least 1, at most
 * PT_USERHASH_MAX_THREADS): what threads = 0 means. */
unsigned int pt_userhash_cpus(void);

/* done of total hashes of the batch are made (called at most once per
 * hash, done increasing, the last call with done == total). */
typedef void (*pt_userhash_progress_fn)(void *baton, apr_size_t done,
                                        apr_size_t total);

/*
 * Hash pw[0..n-1] with pt_password_hash(params: NULL for the defaults) on
 * `threads` threads (0: pt_userhash_cpus(); never more than n), and set
 * out[i] to the PHC string of pw[i] (allocated in p).  A NULL pw[i] (a
 * row with a hash of its own) is skipped: out[i] = NULL.  progress may be
 * NULL.
 * Errors: APR_EINVAL + err for a password pt_password_hash() refuses (over
 * PT_PASSWORD_MAX_LEN bytes); the status of the first hash that failed
 * (APR_ENOMEM: argon2 found no memory) + err naming its index; the status
 * of apr_thread_create.  On error the whole batch counts as failed (the
 * other out[] may be set but must not be used); the threads started are
 * always joined before it returns.
 */
apr_status_t pt_userhash_batch(apr_pool_t *p, const char *const *pw,
                               apr_size_t n,
                               const pt_argon2_params_t *params,
                               unsigned int threads,
                               pt_userhash_progress_fn progress, void *baton,
                               const char **out, pt_err_t *err);

#endif /* PT_USERHASH_H */
