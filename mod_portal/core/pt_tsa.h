/*
 * pt_tsa.h -- the portal's own RFC 3161 Time-Stamping Authority.
 *
 * For every uploaded file the portal issues a TimeStampResp (DER; the
 * ".tsr" users download) over the file's SHA-256, signed with the portal's
 * TSA key.  Anyone can check a receipt without the portal:
 *
 *     openssl ts -verify -data FILE -in receipt.tsr -CAfile tsa.crt
 *
 * where tsa.crt is what pt_tsa_cert_pem() returns (served as /tsa.crt).
 *
 * Key material lives in the key folder (DATA/keys):
 *   tsa.key  the signing key, PEM PKCS#8, mode 0600: ECDSA P-256;
 *   tsa.crt  a self-signed certificate for it, PEM, mode 0644: CN = the
 *            name given, valid 10 years, basicConstraints critical
 *            CA:FALSE, keyUsage critical digitalSignature,nonRepudiation,
 *            extendedKeyUsage critical timeStamping (what RFC 3161 and
 *            OpenSSL's X509_PURPOSE_TIMESTAMP_SIGN require).  The file may
 *            also hold further certificates (a chain for a key certified
 *            by a real CA): the first one must belong to tsa.key; the
 *            others go into every token and into /tsa.crt.
 * Both are created on first use, each written under a temporary name,
 * fsynced and hard-linked into place, key first: processes starting at once
 * all end up with the same pair.  A certificate can always be made again
 * from the key, so a crash between the two steps heals on the next start;
 * a key that is unreadable, or a pair that does not belong together, is an
 * error and never replaced.
 *
 * Tokens: policy PT_TSA_DEFAULT_POLICY unless pt_tsa_set_policy() says
 * otherwise, SHA-256 message imprint, 128-bit random serial, genTime in
 * whole seconds with an accuracy of 1 second, ordering false, no nonce, the
 * TSA name (the certificate's subject), the signer certificate embedded
 * and an ESSCertIDv2 (SHA-256) signing-certificate attribute.
 */
#ifndef PT_TSA_H
#define PT_TSA_H

#include <apr_time.h>

#include "pt_core.h"

/* The policy OID put into tokens when none is configured: the example
 * policy of OpenSSL's sample configuration (tsa_policy1).  A production
 * TSA with a published policy sets its own OID with pt_tsa_set_policy(). */
#define PT_TSA_DEFAULT_POLICY "1.2.3.4.1"

/* Length of the digest that is stamped (SHA-256). */
#define PT_TSA_DIGEST_LEN 32

/* The largest TimeStampResp pt_tsa_verify()/pt_tsa_inspect() accept. */
#define PT_TSA_MAX_DER (64 * 1024)

typedef struct pt_tsa_t pt_tsa_t;

/*
 * Load keydir/tsa.key and keydir/tsa.crt, creating them when missing
 * (*created = 1 then; 0 when both were already there).  keydir must exist
 * (the caller makes it, mode 0700).
 * name is the certificate's common name for a new certificate (1 to 64
 * characters, e.g. "Portal Time-Stamping Authority"); an existing
 * certificate keeps its own.  Errors, with the file in err->where:
 * unreadable or corrupt files, a certificate that does not belong to the
 * key, a certificate without the time-stamping purpose or outside its
 * validity period, tsa.crt present without tsa.key, a self-test stamp
 * (made and verified here) that fails.  The object lives in p
 * (a pool cleanup frees the OpenSSL objects) and is safe to use from many
 * threads at once.
 */
apr_status_t pt_tsa_open(apr_pool_t *p, const char *keydir, const char *name,
                         pt_tsa_t **tsa, int *created, pt_err_t *err);

/*
 * Use the policy OID oid (dotted numbers, e.g. "1.3.6.1.4.1.99999.1.1") in
 * the tokens issued from now on; APR_EINVAL + err when it is not one.
 * Configuration time only: not concurrently with pt_tsa_stamp().
 */
apr_status_t pt_tsa_set_policy(pt_tsa_t *tsa, const char *oid,
                               pt_err_t *err);

/* The clock of the tokens: now(baton) instead of apr_time_now().  For
 * tests; not concurrently with pt_tsa_stamp().  NULL restores the default. */
void pt_tsa_set_clock(pt_tsa_t *tsa, apr_time_t (*now)(void *baton),
                      void *baton);

/*
 * A DER TimeStampResp (status granted) over the PT_TSA_DIGEST_LEN-byte
 * SHA-256 digest, allocated in p.  Fails (APR_EGENERAL + err) when the
 * clock is outside the certificate's validity period or OpenSSL cannot
 * sign.  Thread-safe (a TS_RESP_CTX per call).
 */
apr_status_t pt_tsa_stamp(pt_tsa_t *tsa, apr_pool_t *p,
                          const unsigned char *digest, unsigned char **der,
                          apr_size_t *len, pt_err_t *err);

/* The certificate(s) to publish as /tsa.crt, PEM (lives as long as tsa). */
const char *pt_tsa_cert_pem(const pt_tsa_t *tsa);

/*
 * Check a DER TimeStampResp against digest with this TSA's certificate(s)
 * as the only trust anchors -- the same check as `openssl ts -verify
 * -digest HEX -in receipt.tsr -CAfile tsa.crt`, plus: the imprint must be
 * SHA-256, the DER must have no trailing bytes, and the fields OpenSSL
 * leaves unchecked because the signature does not cover them (versions,
 * algorithm identifiers of the SignedData) must be as issued, so that no
 * altered byte goes unnoticed.  *gen_time (may be
 * NULL) gets the token's time (whole seconds).  APR_EGENERAL + err when it
 * does not verify; err->what says why.  Thread-safe.
 */
apr_status_t pt_tsa_verify(pt_tsa_t *tsa, apr_pool_t *p,
                           const unsigned char *der, apr_size_t len,
                           const unsigned char *digest, apr_time_t *gen_time,
                           pt_err_t *err);

/* What a granted TimeStampResp says (strings in the pool given). */
typedef struct pt_tsa_info_t {
    const char *serial;     /* upper-case hex, whole bytes, as `openssl ts
                             * -reply -text` prints it after "0x" */
    apr_time_t gen_time;    /* whole seconds */
    const char *policy;     /* dotted OID */
    const char *digest;     /* the message imprint, lower-case hex */
} pt_tsa_info_t;

/*
 * Read a DER TimeStampResp without checking its signature (use
 * pt_tsa_verify() for that): for showing and recording receipts.
 * APR_EGENERAL + err when it is not a granted TimeStampResp.
 */
apr_status_t pt_tsa_inspect(apr_pool_t *p, const unsigned char *der,
                            apr_size_t len, pt_tsa_info_t *info,
                            pt_err_t *err);

#endif /* PT_TSA_H */
