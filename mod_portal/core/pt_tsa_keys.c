/*
 * pt_tsa_keys.c -- the key and certificate files of the Time-Stamping
 * Authority, and pt_tsa_open() (see pt_tsa.h for the files and their
 * rules, pt_tsa_int.h for what pt_tsa.c gets).
 *
 * Generation (an ECDSA P-256 key, a self-signed time-stamping certificate
 * for it), atomic creation (a temporary file, fsynced, hard-linked into
 * place: the first process to link wins, the others read its file),
 * loading with bounded reads and no pass-phrase prompt, and the checks
 * that a key and certificate belong together and can sign time-stamps.
 * Nothing here ever replaces or removes an existing key or certificate.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pt_tsa_int.h"
#include "pt_crypto.h"
#include "pt_sql.h"             /* pt_file_read() */
#include "pt_keys.h"            /* pt_file_publish() */

#define TSA_KEY_FILE "tsa.key"
#define TSA_CERT_FILE "tsa.crt"
#define TSA_FILE_MAX (64 * 1024)    /* either file: far more than needed */
#define TSA_MAX_CERTS 10            /* signer + chain in tsa.crt */
#define TSA_CERT_DAYS 3652          /* 10 years, leap days included */
#define TSA_NAME_MAX 64             /* X.520 ub-common-name */

/* ------------------------------------------------------------- files */

/* The contents of a memory BIO, copied into p. */
static const char *bio_pstr(apr_pool_t *p, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);

    return n > 0 ? apr_pstrmemdup(p, data, (apr_size_t)n) : "";
}

/* PEM password callback: our files are never encrypted, and httpd must
 * not wait for someone to type a pass phrase. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    return -1;
}

/* *exists = 1 when path exists, 0 when it does not; any other failure to
 * stat it is an error. */
static apr_status_t file_exists(apr_pool_t *p, const char *path, int *exists,
                                pt_err_t *err)
{
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, path, APR_FINFO_TYPE, p);
    char ebuf[120];

    *exists = rv == APR_SUCCESS;
    if (rv == APR_SUCCESS || APR_STATUS_IS_ENOENT(rv)) {
        return APR_SUCCESS;
    }
    pt_err_set(err, p, path, 0, "cannot stat: %s",
               apr_strerror(rv, ebuf, sizeof(ebuf)));
    return rv;
}

/* Read the private key at path.  A file that is not one is an error: the
 * caller must never replace it (receipts were signed with it). */
static apr_status_t load_key(apr_pool_t *p, const char *path, EVP_PKEY **key,
                             pt_err_t *err)
{
    char *buf;
    apr_size_t len;
    BIO *bio;
    apr_status_t rv = pt_file_read(p, path, &buf, &len, TSA_FILE_MAX, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    bio = BIO_new_mem_buf(buf, (int)len);
    *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(buf, len);
    if (!*key) {
        return pt_tsa_ossl_err(err, p, path, "not a readable PEM private"
                               " key; restore the TSA key from a backup (it"
                               " is never replaced automatically)");
    }
    return APR_SUCCESS;
}

/* Read the certificates at path: *cert gets the first, *chain the rest. */
static apr_status_t load_certs(apr_pool_t *p, const char *path, X509 **cert,
                               STACK_OF(X509) **chain, pt_err_t *err)
{
    char *buf;
    apr_size_t len;
    BIO *bio;
    STACK_OF(X509) *sk;
    X509 *x;
    unsigned long e;
    apr_status_t rv = pt_file_read(p, path, &buf, &len, TSA_FILE_MAX, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    bio = BIO_new_mem_buf(buf, (int)len);
    sk = sk_X509_new_null();
    if (!bio || !sk) {
        BIO_free(bio);
        sk_X509_free(sk);
        return pt_tsa_ossl_err(err, p, path, "out of memory");
    }
    for (;;) {
        x = PEM_read_bio_X509(bio, NULL, no_password, NULL);
        if (!x) {
            break;
        }
        if (sk_X509_num(sk) >= TSA_MAX_CERTS || !sk_X509_push(sk, x)) {
            X509_free(x);
            BIO_free(bio);
            sk_X509_pop_free(sk, X509_free);
            ERR_clear_error();
            return pt_err_set(err, p, path, 0, "more than %d certificates",
                              TSA_MAX_CERTS);
        }
    }
    BIO_free(bio);
    /* the loop ends at the end of the input with "no start line" */
    e = ERR_peek_last_error();
    if (sk_X509_num(sk) == 0 || ERR_GET_LIB(e) != ERR_LIB_PEM
        || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
        sk_X509_pop_free(sk, X509_free);
        return pt_tsa_ossl_err(err, p, path,
                               "not a readable PEM certificate");
    }
    ERR_clear_error();
    *cert = sk_X509_shift(sk);
    *chain = sk;
    return APR_SUCCESS;
}

/* A new ECDSA P-256 key, published at path (or the one someone else
 * published there first). */
static apr_status_t create_key(apr_pool_t *p, const char *dir,
                               const char *path, EVP_PKEY **key, int *won,
                               pt_err_t *err)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIO *bio = BIO_new(BIO_s_secmem());     /* cleared when freed */
    char *pem = NULL;
    long n = 0;
    apr_status_t rv;

    *won = 0;
    if (k && bio
        && PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)) {
        n = BIO_get_mem_data(bio, &pem);
    }
    if (n <= 0) {
        EVP_PKEY_free(k);
        BIO_free(bio);
        return pt_tsa_ossl_err(err, p, path, "cannot make a new TSA key");
    }
    rv = pt_file_publish(p, dir, path, pem, (apr_size_t)n,
                      APR_FPROT_UREAD | APR_FPROT_UWRITE, won, err);
    BIO_free(bio);
    if (rv == APR_SUCCESS && *won) {
        *key = k;
        return APR_SUCCESS;
    }
    EVP_PKEY_free(k);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return load_key(p, path, key, err);
}

/* ------------------------------------------------------------- certificate */

static int add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
    int ok = ext && X509_add_ext(x, ext, -1);

    X509_EXTENSION_free(ext);
    return ok;
}

/* A self-signed time-stamping certificate for key (see pt_tsa.h). */
static X509 *make_cert(EVP_PKEY *key, const char *name)
{
    X509 *x = X509_new();
    X509_NAME *nm = X509_NAME_new();
    ASN1_INTEGER *serial = pt_tsa_serial_new();
    X509V3_CTX v3;
    int ok;

    ok = x && nm && serial
         && X509_set_version(x, X509_VERSION_3)
         && X509_set_serialNumber(x, serial)
         && X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
                                       (const unsigned char *)name, -1, -1,
                                       0)
         && X509_set_subject_name(x, nm)
         && X509_set_issuer_name(x, nm)
         && X509_gmtime_adj(X509_getm_notBefore(x), 0)
         && X509_time_adj_ex(X509_getm_notAfter(x), TSA_CERT_DAYS, 0, NULL)
         && X509_set_pubkey(x, key);
    if (ok) {
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        ok = add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE")
             && add_ext(x, &v3, NID_key_usage,
                        "critical,digitalSignature,nonRepudiation")
             && add_ext(x, &v3, NID_ext_key_usage, "critical,timeStamping")
             && add_ext(x, &v3, NID_subject_key_identifier, "hash")
             && X509_sign(x, key, EVP_sha256()) > 0;
    }
    X509_NAME_free(nm);
    ASN1_INTEGER_free(serial);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* A new certificate for key, published at path (or the one someone else
 * published there first). */
static apr_status_t create_cert(apr_pool_t *p, const char *dir,
                                const char *path, EVP_PKEY *key,
                                const char *name, X509 **cert,
                                STACK_OF(X509) **chain, int *won,
                                pt_err_t *err)
{
    X509 *x = make_cert(key, name);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n = 0;
    apr_status_t rv;

    *won = 0;
    if (x && bio && PEM_write_bio_X509(bio, x)) {
        n = BIO_get_mem_data(bio, &pem);
    }
    if (n <= 0) {
        X509_free(x);
        BIO_free(bio);
        return pt_tsa_ossl_err(err, p, path,
                               "cannot make the TSA certificate");
    }
    rv = pt_file_publish(p, dir, path, pem, (apr_size_t)n,
                      APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD
                      | APR_FPROT_WREAD, won, err);
    BIO_free(bio);
    X509_free(x);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* read back what is now in place, ours or theirs */
    return load_certs(p, path, cert, chain, err);
}

/* A common name we are willing to put into a certificate. */
static apr_status_t check_name(apr_pool_t *p, const char *name, pt_err_t *err)
{
    const unsigned char *s = (const unsigned char *)name;
    apr_size_t chars = 0;

    if (!name || !*name) {
        return pt_err_set(err, p, NULL, 0, "the TSA name is empty");
    }
    for (; *s; s++) {
        if (*s < 0x20 || *s == 0x7f) {
            return pt_err_set(err, p, NULL, 0,
                              "the TSA name has a control character");
        }
        if ((*s & 0xc0) != 0x80) {
            chars++;            /* not a UTF-8 continuation byte */
        }
    }
    if (chars > TSA_NAME_MAX) {
        return pt_err_set(err, p, NULL, 0, "the TSA name is longer than %d"
                          " characters", TSA_NAME_MAX);
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------- opening */

static apr_status_t tsa_cleanup(void *data)
{
    pt_tsa_t *tsa = data;

    EVP_PKEY_free(tsa->key);
    X509_free(tsa->cert);
    sk_X509_pop_free(tsa->chain, X509_free);
    ASN1_OBJECT_free(tsa->policy);
    tsa->key = NULL;
    tsa->cert = NULL;
    tsa->chain = NULL;
    tsa->policy = NULL;
    return APR_SUCCESS;
}

/* Check that key and certificates can work together; fills the validity
 * period and the PEM to publish. */
static apr_status_t check_pair(apr_pool_t *p, pt_tsa_t *tsa, pt_err_t *err)
{
    const char *path = tsa->cert_path;
    BIO *bio;
    int i, ok;

    if (X509_check_private_key(tsa->cert, tsa->key) != 1) {
        ERR_clear_error();
        return pt_err_set(err, p, path, 0, "the certificate does not belong"
                          " to the TSA key " TSA_KEY_FILE " (one of them was"
                          " replaced): restore the matching pair from a"
                          " backup");
    }
    if (X509_check_purpose(tsa->cert, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
        ERR_clear_error();
        return pt_err_set(err, p, path, 0, "the certificate is not for"
                          " time-stamping (it needs extendedKeyUsage ="
                          " critical,timeStamping and nothing else)");
    }
    if (!pt_tsa_asn1_time_get(X509_get0_notBefore(tsa->cert),
                              &tsa->not_before)
        || !pt_tsa_asn1_time_get(X509_get0_notAfter(tsa->cert),
                                 &tsa->not_after)) {
        return pt_tsa_ossl_err(err, p, path, "the certificate's validity"
                               " period cannot be read");
    }
    bio = BIO_new(BIO_s_mem());
    ok = bio && PEM_write_bio_X509(bio, tsa->cert);
    for (i = 0; ok && i < sk_X509_num(tsa->chain); i++) {
        ok = PEM_write_bio_X509(bio, sk_X509_value(tsa->chain, i));
    }
    if (ok) {
        tsa->cert_pem = bio_pstr(p, bio);
    }
    BIO_free(bio);
    if (!ok) {
        return pt_tsa_ossl_err(err, p, path,
                               "cannot encode the certificate");
    }
    return APR_SUCCESS;
}

/* Stamp and verify once, so that a key or certificate OpenSSL cannot work
 * with is found at start-up rather than at the first upload. */
static apr_status_t self_test(apr_pool_t *p, pt_tsa_t *tsa,
                              const char *keydir, pt_err_t *err)
{
    static const unsigned char zero[PT_TSA_DIGEST_LEN];
    unsigned char *der;
    apr_size_t len;
    apr_status_t rv;

    rv = pt_tsa_stamp(tsa, p, zero, &der, &len, err);
    if (rv == APR_SUCCESS) {
        rv = pt_tsa_verify(tsa, p, der, len, zero, NULL, err);
    }
    if (rv != APR_SUCCESS && err) {
        err->what = apr_pstrcat(p, "self-test: a time-stamp made with "
                                TSA_KEY_FILE " and " TSA_CERT_FILE
                                " fails: ", err->what, NULL);
        err->where = keydir;
    }
    return rv;
}

apr_status_t pt_tsa_open(apr_pool_t *p, const char *keydir, const char *name,
                         pt_tsa_t **out, int *created, pt_err_t *err)
{
    const char *key_path = apr_pstrcat(p, keydir, "/" TSA_KEY_FILE, NULL);
    const char *cert_path = apr_pstrcat(p, keydir, "/" TSA_CERT_FILE, NULL);
    pt_tsa_t *tsa;
    apr_pool_t *scratch;
    int have_key = 0, have_cert = 0, won = 0;
    apr_status_t rv;

    *created = 0;
    rv = check_name(p, name, err);
    /* the certificate first: the key is always in place before it, so a
     * process creating both meanwhile cannot make us see only the cert */
    if (rv == APR_SUCCESS) {
        rv = file_exists(p, cert_path, &have_cert, err);
    }
    if (rv == APR_SUCCESS) {
        rv = file_exists(p, key_path, &have_key, err);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* the key is always made first: a certificate without it means the key
     * was lost, and a new one would not match what users hold */
    if (have_cert && !have_key) {
        return pt_err_set(err, p, key_path, 0, "missing, but "
                          TSA_CERT_FILE " is there: restore the TSA key"
                          " from a backup (or remove both files to start a"
                          " new TSA)");
    }
    tsa = apr_pcalloc(p, sizeof(*tsa));
    tsa->cert_path = cert_path;
    apr_pool_cleanup_register(p, tsa, tsa_cleanup, apr_pool_cleanup_null);
    apr_pool_create(&scratch, p);

    if (have_key) {
        rv = load_key(p, key_path, &tsa->key, err);
    }
    else {
        rv = create_key(scratch, keydir, key_path, &tsa->key, &won, err);
        *created |= won;
    }
    if (rv == APR_SUCCESS && have_cert) {
        rv = load_certs(p, cert_path, &tsa->cert, &tsa->chain, err);
    }
    else if (rv == APR_SUCCESS) {
        /* none yet, or a crash left only the key: make one for it */
        rv = create_cert(scratch, keydir, cert_path, tsa->key, name,
                         &tsa->cert, &tsa->chain, &won, err);
        *created |= won;
    }
    if (rv == APR_SUCCESS) {
        tsa->policy = OBJ_txt2obj(PT_TSA_DEFAULT_POLICY, 1);
        if (!tsa->policy) {
            rv = pt_tsa_ossl_err(err, p, NULL, "cannot make the policy OID");
        }
    }
    if (rv == APR_SUCCESS) {
        rv = check_pair(p, tsa, err);
    }
    if (rv == APR_SUCCESS) {
        rv = self_test(scratch, tsa, keydir, err);
    }
    if (rv != APR_SUCCESS && err && err->what) {
        /* messages made in scratch must outlive it */
        err->what = apr_pstrdup(p, err->what);
        err->where = err->where ? apr_pstrdup(p, err->where) : NULL;
    }
    apr_pool_destroy(scratch);
    if (rv != APR_SUCCESS) {
        apr_pool_cleanup_run(p, tsa, tsa_cleanup);
        return rv;
    }
    *out = tsa;
    return APR_SUCCESS;
}
