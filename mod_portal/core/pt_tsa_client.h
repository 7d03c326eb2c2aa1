/*
 * pt_tsa_client.h -- time-stamps from an external RFC 3161 Time-Stamping
 * Authority over HTTP(S) (PortalTimestampURL URL [CA-file]), so a site's
 * receipts and audit seals can rest on keys it does not hold.
 *
 * A stamp (pt_tsa_client_stamp):
 *  1. a TimeStampReq: version 1, the SHA-256 message imprint, a fresh
 *     64-bit random nonce, certReq TRUE (the signer's certificate comes in
 *     the token), the policy OID when one is configured;
 *  2. POSTed with libcurl: Content-Type application/timestamp-query,
 *     Accept application/timestamp-reply, http and https only, no
 *     redirect followed (a 3xx is an error), NOSIGNAL, a connect timeout
 *     and a whole-request timeout, at most max_bytes of answer (a larger
 *     announced or received body stops the transfer);
 *  3. the answer must be HTTP 200 with a DER TimeStampResp and nothing
 *     after it, status granted (or grantedWithMods), and its token must
 *     verify as `openssl ts -verify -queryfile REQ -in RESP -CAfile CA`
 *     does: the signature, the signer's certificate chained to the CA
 *     file with the timeStamping purpose (and the ESS signing-certificate
 *     attribute naming it), version 1, the same imprint and nonce, and the
 *     requested policy when one was asked for.
 * What comes back is the whole DER TimeStampResp -- the same form as the
 * portal's own receipts (pt_tsa.h), so downloads and
 *     openssl ts -verify -data FILE -in receipt.tsr -CAfile tsa-ca.pem
 * work the same; only the CA file differs.
 *
 * Errors (err->what a one-line reason for logs and the admin, never more
 * of the URL than its host):
 *   APR_EAGAIN    the TSA could not be reached or answered "not now":
 *                 cannot resolve or connect, timed out, HTTP 5xx or 429.
 *                 The caller falls back to the portal's own TSA and tries
 *                 the external one again later.
 *   APR_EGENERAL  it answered, but the answer cannot be used: another HTTP
 *                 status, a body over max_bytes, not a TimeStampResp, a
 *                 rejection (its status text and failure info are
 *                 quoted), another nonce or imprint, a signature or
 *                 certificate that does not verify against the CA file.
 *                 The caller falls back too, and should say so loudly: a
 *                 TSA that answers wrongly is misconfigured or hostile.
 *   APR_EINVAL    a bad argument (pt_tsa_client_make only).
 *
 * Threads: a client is made once (configuration time) and may then be used
 * by many threads at once (each stamp has its own CURL handle and request;
 * the trusted store is only read).  The caller must have called
 * curl_global_init() before any thread was started, as libcurl requires.
 */
#ifndef PT_TSA_CLIENT_H
#define PT_TSA_CLIENT_H

#include "pt_core.h"
#include "pt_tsa.h"

#define PT_TSA_CLIENT_CONNECT_TIMEOUT 10L    /* seconds, when 0 */
#define PT_TSA_CLIENT_TIMEOUT 30L            /* seconds, when 0 */

typedef struct pt_tsa_client_conf_t {
    const char *url;            /* http:// or https:// */
    const char *ca_file;        /* PEM: the CA certificate(s) that the
                                 * TSA's signing certificate must chain to;
                                 * NULL: the system's trust store */
    const char *tls_ca_file;    /* https: the CAs of the server's TLS
                                 * certificate; NULL: the system's */
    const char *policy;         /* an OID to ask for, or NULL */
    long connect_timeout;       /* seconds; 0: PT_TSA_CLIENT_CONNECT_TIMEOUT */
    long timeout;               /* seconds in all; 0: PT_TSA_CLIENT_TIMEOUT */
    apr_size_t max_bytes;       /* largest answer; 0 (or more than
                                 * PT_TSA_MAX_DER): PT_TSA_MAX_DER */
    const char *user_agent;     /* NULL: "mod_portal" */
} pt_tsa_client_conf_t;

typedef struct pt_tsa_client_t pt_tsa_client_t;

/*
 * A client for conf (copied), in p.  Loads the CA file now, so that a
 * missing or unreadable one is found at start-up.  APR_EINVAL + err for a
 * URL that is not http(s) or has no host, a policy that is not an OID, a
 * CA file that holds no certificate.
 */
apr_status_t pt_tsa_client_make(apr_pool_t *p,
                                const pt_tsa_client_conf_t *conf,
                                pt_tsa_client_t **out, pt_err_t *err);

/*
 * A time-stamp over the PT_TSA_DIGEST_LEN-byte SHA-256 digest from the
 * TSA, checked as above: *der (*len bytes) is the DER TimeStampResp, in p;
 * info (may be NULL) is filled as pt_tsa_inspect() does.  Errors: see the
 * top of the file.
 */
apr_status_t pt_tsa_client_stamp(pt_tsa_client_t *c, apr_pool_t *p,
                                 const unsigned char *digest,
                                 unsigned char **der, apr_size_t *len,
                                 pt_tsa_info_t *info, pt_err_t *err);

/*
 * Check a stored TimeStampResp (a receipt or seal that came from this
 * TSA) against digest with the client's CA file: granted, no trailing
 * bytes, SHA-256 imprint equal to digest, signature and chain as above
 * (no nonce: it was checked when the stamp was made).  *gen_time (may be
 * NULL) gets its time.  APR_EGENERAL + err when it does not verify.
 */
apr_status_t pt_tsa_client_verify(pt_tsa_client_t *c, apr_pool_t *p,
                                  const unsigned char *der, apr_size_t len,
                                  const unsigned char *digest,
                                  apr_time_t *gen_time, pt_err_t *err);

/* The TSA's host, for messages ("tsa.example.org"). */
const char *pt_tsa_client_host(const pt_tsa_client_t *c);

#endif /* PT_TSA_CLIENT_H */
