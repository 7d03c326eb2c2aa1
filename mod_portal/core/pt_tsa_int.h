/*
 * pt_tsa_int.h -- what pt_tsa.c and pt_tsa_keys.c share.
 *
 * Private to the time-stamping authority: nothing outside those two files
 * may include it; the public API is pt_tsa.h.  pt_tsa_keys.c makes a
 * pt_tsa_t (pt_tsa_open(): the key and certificate files, their checks);
 * pt_tsa.c stamps, verifies and inspects with it.
 *
 * Invariants of a pt_tsa_t returned by pt_tsa_open():
 *  - key, cert and policy are set, and chain is a stack (maybe empty);
 *  - cert belongs to key and passes X509_PURPOSE_TIMESTAMP_SIGN;
 *  - not_before and not_after are cert's validity period, cert_pem is cert
 *    and chain in PEM, cert_path the file they came from;
 *  - after pt_tsa_open() returns, only pt_tsa_set_policy() and
 *    pt_tsa_set_clock() (configuration time) write to it, so stamping and
 *    verifying from many threads at once only read it.
 * A pool cleanup of the pool given to pt_tsa_open() frees the OpenSSL
 * objects.
 */
#ifndef PT_TSA_INT_H
#define PT_TSA_INT_H

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pt_tsa.h"

struct pt_tsa_t {
    EVP_PKEY *key;
    X509 *cert;                 /* the signer */
    STACK_OF(X509) *chain;      /* further certificates of tsa.crt */
    ASN1_OBJECT *policy;
    const char *cert_pem;       /* signer + chain, PEM */
    const char *cert_path;
    apr_time_t not_before;      /* the signer's validity period */
    apr_time_t not_after;
    apr_time_t (*now)(void *baton);
    void *now_baton;
};

/*
 * Fill err (strings from p, where as given) with what and the newest error
 * of OpenSSL's queue (plus its detail text, e.g. a certificate
 * verification error), then clear the queue so that nothing stale is
 * reported later.  With the queue empty, err gets what alone.  Returns
 * APR_EGENERAL.
 */
apr_status_t pt_tsa_ossl_err(pt_err_t *err, apr_pool_t *p, const char *where,
                             const char *what);

/* *out = the ASN.1 time t (NULL allowed) in whole seconds; 1 on success,
 * 0 when it cannot be read. */
int pt_tsa_asn1_time_get(const ASN1_TIME *t, apr_time_t *out);

/* A new positive random 128-bit integer (never 0), for certificate and
 * token serial numbers; NULL when the random generator or memory fails.
 * The caller frees it with ASN1_INTEGER_free(). */
ASN1_INTEGER *pt_tsa_serial_new(void);

#endif /* PT_TSA_INT_H */
