/*
 * pt_tsa.c -- the portal's RFC 3161 Time-Stamping Authority (see pt_tsa.h).
 *
 * Built on OpenSSL's TS API: a request is made here (SHA-256 imprint,
 * certReq TRUE, no nonce, no policy) and answered by TS_RESP_create_response
 * with a TS_RESP_CTX made for that one call, so stamping needs no lock; the
 * key, certificates and policy it shares are only read (and reference
 * counted) after pt_tsa_open().
 *
 * Why ECDSA P-256 and not RSA-3072: the same security level as RSA-3072 at
 * a fraction of the cost -- key generation at first start is instant rather
 * than seconds, signing is fast, receipts are smaller -- and every OpenSSL
 * that has `openssl ts` verifies it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pt_tsa.h"
#include "pt_crypto.h"
#include "pt_sql.h"             /* pt_file_read() */

#define TSA_KEY_FILE "tsa.key"
#define TSA_CERT_FILE "tsa.crt"
#define TSA_FILE_MAX (64 * 1024)    /* either file: far more than needed */
#define TSA_MAX_CERTS 10            /* signer + chain in tsa.crt */
#define TSA_CERT_DAYS 3652          /* 10 years, leap days included */
#define TSA_SERIAL_BYTES 16         /* 128-bit serial numbers */
#define TSA_NAME_MAX 64             /* X.520 ub-common-name */
#define TSA_TEXT_MAX 200            /* status text kept in messages */

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

/*
 * Fill err with what and the newest error of OpenSSL's queue (plus its
 * detail text, e.g. a certificate verification error), then clear the
 * queue so that nothing stale is reported later.  Returns APR_EGENERAL.
 */
static apr_status_t ossl_err(pt_err_t *err, apr_pool_t *p, const char *where,
                             const char *what)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e = ERR_peek_last_error_data(&data, &flags);
    char buf[256];
    apr_status_t rv;

    if (e == 0) {
        return pt_err_set(err, p, where, 0, "%s", what);
    }
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!(flags & ERR_TXT_STRING) || !data || !*data) {
        data = NULL;
    }
    rv = pt_err_set(err, p, where, 0, "%s (%s%s%s)", what, buf,
                    data ? ": " : "", data ? data : "");
    ERR_clear_error();
    return rv;
}

/* PEM password callback: our files are never encrypted, and httpd must
 * not wait for someone to type a pass phrase. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    return -1;
}

/* An ASN.1 time as apr_time_t (whole seconds); 0 when it cannot be read. */
static int asn1_time_get(const ASN1_TIME *t, apr_time_t *out)
{
    struct tm tm;
    apr_time_exp_t xt;

    memset(&tm, 0, sizeof(tm));
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
        return 0;
    }
    memset(&xt, 0, sizeof(xt));
    xt.tm_year = tm.tm_year;
    xt.tm_mon = tm.tm_mon;
    xt.tm_mday = tm.tm_mday;
    xt.tm_hour = tm.tm_hour;
    xt.tm_min = tm.tm_min;
    xt.tm_sec = tm.tm_sec;
    return apr_time_exp_gmt_get(out, &xt) == APR_SUCCESS;
}

static const char *date_str(apr_pool_t *p, apr_time_t t)
{
    char *s = apr_palloc(p, APR_RFC822_DATE_LEN);

    if (apr_rfc822_date(s, t) != APR_SUCCESS) {
        return "(unknown date)";
    }
    return s;
}

static apr_time_t tsa_now(const pt_tsa_t *tsa)
{
    return tsa->now ? tsa->now(tsa->now_baton) : apr_time_now();
}

/* A positive random 128-bit integer (never 0), or NULL. */
static ASN1_INTEGER *random_serial(void)
{
    unsigned char raw[TSA_SERIAL_BYTES];
    BIGNUM *bn;
    ASN1_INTEGER *serial = NULL;

    if (pt_random_bytes(raw, sizeof(raw)) != APR_SUCCESS) {
        return NULL;
    }
    bn = BN_bin2bn(raw, (int)sizeof(raw), NULL);
    if (bn && !BN_is_zero(bn)) {
        serial = BN_to_ASN1_INTEGER(bn, NULL);
    }
    BN_free(bn);
    return serial;
}

/* ------------------------------------------------------------- files */

/* The contents of a memory BIO, copied into p. */
static const char *bio_pstr(apr_pool_t *p, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);

    return n > 0 ? apr_pstrmemdup(p, data, (apr_size_t)n) : "";
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

/*
 * Create path with len bytes of data and mode perms (exactly: not reduced
 * by the umask) unless it exists: the data is written to a new temporary
 * file, fsynced, and hard-linked to path; link() refuses to replace an
 * existing file, so when another process made path first (*won = 0) theirs
 * stays and ours is dropped.  The same approach as pt_keys.c, with a random
 * part in the temporary name so that threads of one process do not collide.
 */
static apr_status_t publish_file(apr_pool_t *p, const char *dir,
                                 const char *path, const void *data,
                                 apr_size_t len, apr_fileperms_t perms,
                                 int *won, pt_err_t *err)
{
    unsigned char rnd[6];
    const char *tmp;
    apr_file_t *f;
    apr_size_t written;
    apr_status_t rv, rv2;
    char ebuf[120];

    *won = 0;
    if (pt_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        return pt_err_set(err, p, path, 0,
                          "no random bytes for a temporary name");
    }
    tmp = apr_psprintf(p, "%s.tmp.%ld.%s", path, (long)getpid(),
                       pt_hex_encode(p, rnd, sizeof(rnd)));
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BINARY, perms, p);
    if (rv != APR_SUCCESS) {
        pt_err_set(err, p, tmp, 0, "cannot create: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    rv = apr_file_write_full(f, data, len, &written);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    rv2 = apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = rv2;
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_perms_set(tmp, perms);
        if (APR_STATUS_IS_ENOTIMPL(rv)) {
            rv = APR_SUCCESS;
        }
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        pt_err_set(err, p, tmp, 0, "cannot write: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    if (link(tmp, path) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
        apr_file_remove(tmp, p);
        if (APR_STATUS_IS_EEXIST(rv)) {
            return APR_SUCCESS;
        }
        pt_err_set(err, p, path, 0, "cannot create: %s",
                   apr_strerror(rv, ebuf, sizeof(ebuf)));
        return rv;
    }
    apr_file_remove(tmp, p);
    /* make the new name durable too; nothing to do if this fails */
    if (apr_file_open(&f, dir, APR_FOPEN_READ, APR_OS_DEFAULT, p)
        == APR_SUCCESS) {
        apr_file_sync(f);
        apr_file_close(f);
    }
    *won = 1;
    return APR_SUCCESS;
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
        return ossl_err(err, p, path, "not a readable PEM private key;"
                        " restore the TSA key from a backup (it is never"
                        " replaced automatically)");
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
        return ossl_err(err, p, path, "out of memory");
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
        return ossl_err(err, p, path, "not a readable PEM certificate");
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
        return ossl_err(err, p, path, "cannot make a new TSA key");
    }
    rv = publish_file(p, dir, path, pem, (apr_size_t)n,
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
    ASN1_INTEGER *serial = random_serial();
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
        return ossl_err(err, p, path, "cannot make the TSA certificate");
    }
    rv = publish_file(p, dir, path, pem, (apr_size_t)n,
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

/* ------------------------------------------------------------- tokens */

static ASN1_INTEGER *serial_cb(TS_RESP_CTX *ctx, void *data)
{
    ASN1_INTEGER *serial = random_serial();

    if (!serial) {
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION,
                                    "no serial number");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
    }
    return serial;
}

static int time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
    apr_time_t now = tsa_now(data);

    *sec = (long)apr_time_sec(now);
    *usec = (long)apr_time_usec(now);
    return 1;
}

/* A DER TimeStampReq for digest in a memory BIO, or NULL. */
static BIO *make_request(const unsigned char *digest)
{
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    BIO *bio = BIO_new(BIO_s_mem());
    int ok;

    ok = req && mi && alg && bio
         && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL)
         && TS_MSG_IMPRINT_set_algo(mi, alg)
         && TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest,
                                   PT_TSA_DIGEST_LEN)
         && TS_REQ_set_version(req, 1)
         && TS_REQ_set_msg_imprint(req, mi)
         && TS_REQ_set_cert_req(req, 1)
         && i2d_TS_REQ_bio(bio, req);
    TS_REQ_free(req);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    if (!ok) {
        BIO_free(bio);
        return NULL;
    }
    return bio;
}

/* A response context for one call of TS_RESP_create_response, or NULL. */
static TS_RESP_CTX *make_resp_ctx(pt_tsa_t *tsa)
{
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    int ok;

    ok = ctx
         && TS_RESP_CTX_set_signer_cert(ctx, tsa->cert)
         && TS_RESP_CTX_set_signer_key(ctx, tsa->key)
         && TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256())
         && TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256())
         && TS_RESP_CTX_set_def_policy(ctx, tsa->policy)
         && TS_RESP_CTX_add_md(ctx, EVP_sha256())
         && TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0)
         && TS_RESP_CTX_set_clock_precision_digits(ctx, 0)
         && (sk_X509_num(tsa->chain) == 0
             || TS_RESP_CTX_set_certs(ctx, tsa->chain));
    if (!ok) {
        TS_RESP_CTX_free(ctx);
        return NULL;
    }
    TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME);   /* not TS_ORDERING */
    TS_RESP_CTX_set_serial_cb(ctx, serial_cb, NULL);
    TS_RESP_CTX_set_time_cb(ctx, time_cb, tsa);
    return ctx;
}

/* The status of a response as text for a message: its first status
 * string when it has one, else the status number. */
static const char *status_text(apr_pool_t *p, TS_STATUS_INFO *si)
{
    const STACK_OF(ASN1_UTF8STRING) *texts = TS_STATUS_INFO_get0_text(si);
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));

    if (texts && sk_ASN1_UTF8STRING_num(texts) > 0) {
        const ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(texts, 0);
        int n = ASN1_STRING_length(t);

        return apr_psprintf(p, "status %ld, \"%s\"", status,
                            apr_pstrmemdup(p, (const char *)
                                           ASN1_STRING_get0_data(t),
                                           n > TSA_TEXT_MAX ? TSA_TEXT_MAX
                                           : (apr_size_t)n));
    }
    return apr_psprintf(p, "status %ld", status);
}

/* Parse a DER TimeStampResp that must be granted and complete. */
static apr_status_t parse_resp(apr_pool_t *p, const unsigned char *der,
                               apr_size_t len, TS_RESP **out, pt_err_t *err)
{
    const unsigned char *q = der;
    TS_RESP *resp;
    long status;

    *out = NULL;
    if (len == 0 || len > PT_TSA_MAX_DER) {
        return pt_err_set(err, p, NULL, 0, "a receipt has 1 to %d bytes, not"
                          " %" APR_SIZE_T_FMT, PT_TSA_MAX_DER, len);
    }
    resp = d2i_TS_RESP(NULL, &q, (long)len);
    if (!resp) {
        return ossl_err(err, p, NULL, "not an RFC 3161 time-stamp response");
    }
    if (q != der + len) {
        TS_RESP_free(resp);
        return pt_err_set(err, p, NULL, 0, "not an RFC 3161 time-stamp"
                          " response (%ld extra bytes at its end)",
                          (long)(der + len - q));
    }
    status = ASN1_INTEGER_get(
        TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
    if ((status != TS_STATUS_GRANTED
         && status != TS_STATUS_GRANTED_WITH_MODS)
        || !TS_RESP_get_tst_info(resp)) {
        apr_status_t rv = pt_err_set(err, p, NULL, 0, "the response holds no"
                                     " time-stamp (%s)", status_text(p,
                                     TS_RESP_get_status_info(resp)));

        TS_RESP_free(resp);
        return rv;
    }
    *out = resp;
    return APR_SUCCESS;
}

/* A SHA-256 AlgorithmIdentifier with absent or NULL parameters. */
static int alg_is_sha256(const X509_ALGOR *a)
{
    const ASN1_OBJECT *obj = NULL;
    int ptype = V_ASN1_UNDEF;

    if (!a) {
        return 0;
    }
    X509_ALGOR_get0(&obj, &ptype, NULL, a);
    return OBJ_obj2nid(obj) == NID_sha256
           && (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL);
}

/*
 * The parts of a token that its signature does not cover must be what we
 * issue: SignedData version 3, one digest algorithm, one SignerInfo of
 * version 1, SHA-256 (parameters absent or NULL) and a signature algorithm
 * for the signer's key type with SHA-256.  OpenSSL's verification ignores
 * these fields, so without this check a receipt with one of them altered
 * would still pass.
 */
static int envelope_ok(PKCS7 *token, X509 *signer)
{
    STACK_OF(PKCS7_SIGNER_INFO) *sinfos;
    PKCS7_SIGNER_INFO *si;
    X509_ALGOR *dig = NULL, *sig = NULL;
    const ASN1_OBJECT *obj = NULL;
    int ptype = V_ASN1_UNDEF, nid, md_nid, pk_nid;
    int key_nid = EVP_PKEY_get_base_id(X509_get0_pubkey(signer));

    if (!token || !PKCS7_type_is_signed(token) || !token->d.sign
        || ASN1_INTEGER_get(token->d.sign->version) != 3
        || sk_X509_ALGOR_num(token->d.sign->md_algs) != 1
        || !alg_is_sha256(sk_X509_ALGOR_value(token->d.sign->md_algs, 0))) {
        return 0;
    }
    sinfos = PKCS7_get_signer_info(token);
    if (sk_PKCS7_SIGNER_INFO_num(sinfos) != 1) {
        return 0;
    }
    si = sk_PKCS7_SIGNER_INFO_value(sinfos, 0);
    PKCS7_SIGNER_INFO_get0_algs(si, NULL, &dig, &sig);
    if (ASN1_INTEGER_get(si->version) != 1 || !alg_is_sha256(dig) || !sig) {
        return 0;
    }
    X509_ALGOR_get0(&obj, &ptype, NULL, sig);
    nid = OBJ_obj2nid(obj);
    if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
        return 0;
    }
    if (nid != NID_undef && nid == key_nid) {
        return 1;               /* e.g. rsaEncryption */
    }
    return OBJ_find_sigid_algs(nid, &md_nid, &pk_nid)
           && md_nid == NID_sha256 && pk_nid == key_nid;
}

/* ------------------------------------------------------------- API */

apr_status_t pt_tsa_stamp(pt_tsa_t *tsa, apr_pool_t *p,
                          const unsigned char *digest, unsigned char **der,
                          apr_size_t *len, pt_err_t *err)
{
    apr_time_t now = tsa_now(tsa);
    BIO *req;
    TS_RESP_CTX *ctx;
    TS_RESP *resp;
    TS_STATUS_INFO *si;
    unsigned char *buf, *q;
    int n;
    apr_status_t rv = APR_SUCCESS;

    if (now < tsa->not_before || now > tsa->not_after) {
        return pt_err_set(err, p, tsa->cert_path, 0, "the TSA certificate is"
                          " valid from %s to %s, not at %s: it needs"
                          " renewing (replace it, or remove it to have a"
                          " self-signed one made for the same key; keep a"
                          " copy to check old receipts)",
                          date_str(p, tsa->not_before),
                          date_str(p, tsa->not_after), date_str(p, now));
    }
    req = make_request(digest);
    ctx = req ? make_resp_ctx(tsa) : NULL;
    if (!ctx) {
        BIO_free(req);
        return ossl_err(err, p, NULL, "cannot set up a time-stamp");
    }
    resp = TS_RESP_create_response(ctx, req);
    TS_RESP_CTX_free(ctx);
    BIO_free(req);
    if (!resp) {
        return ossl_err(err, p, NULL, "cannot make a time-stamp");
    }
    si = TS_RESP_get_status_info(resp);
    if (ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si))
        != TS_STATUS_GRANTED) {
        rv = ossl_err(err, p, NULL, apr_psprintf(p, "the time-stamp was"
                      " refused (%s)", status_text(p, si)));
    }
    else {
        n = i2d_TS_RESP(resp, NULL);
        if (n <= 0) {
            rv = ossl_err(err, p, NULL, "cannot encode a time-stamp");
        }
        else {
            buf = apr_palloc(p, (apr_size_t)n);
            q = buf;
            i2d_TS_RESP(resp, &q);
            *der = buf;
            *len = (apr_size_t)n;
        }
    }
    TS_RESP_free(resp);
    return rv;
}

apr_status_t pt_tsa_verify(pt_tsa_t *tsa, apr_pool_t *p,
                           const unsigned char *der, apr_size_t len,
                           const unsigned char *digest, apr_time_t *gen_time,
                           pt_err_t *err)
{
    TS_RESP *resp;
    TS_TST_INFO *tst;
    const ASN1_OBJECT *alg = NULL;
    TS_VERIFY_CTX *vctx = NULL;
    X509_STORE *store = NULL;
    unsigned char *imprint = NULL;
    apr_time_t t;
    int i, ok;
    apr_status_t rv = parse_resp(p, der, len, &resp, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    tst = TS_RESP_get_tst_info(resp);
    X509_ALGOR_get0(&alg, NULL, NULL,
                    TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst)));
    if (OBJ_obj2nid(alg) != NID_sha256) {
        TS_RESP_free(resp);
        return pt_err_set(err, p, NULL, 0, "the receipt is not for a SHA-256"
                          " digest");
    }
    /* the trust anchors: our certificate(s), nothing else */
    store = X509_STORE_new();
    ok = store && X509_STORE_add_cert(store, tsa->cert);
    for (i = 0; ok && i < sk_X509_num(tsa->chain); i++) {
        ok = X509_STORE_add_cert(store, sk_X509_value(tsa->chain, i));
    }
    vctx = ok ? TS_VERIFY_CTX_new() : NULL;
    imprint = vctx ? OPENSSL_memdup(digest, PT_TSA_DIGEST_LEN) : NULL;
    if (!imprint) {
        X509_STORE_free(store);
        TS_VERIFY_CTX_free(vctx);
        TS_RESP_free(resp);
        return ossl_err(err, p, NULL, "cannot set up a verification");
    }
    /* both now owned by vctx */
    TS_VERIFY_CTX_set_imprint(vctx, imprint, PT_TSA_DIGEST_LEN);
    TS_VERIFY_CTX_set_store(vctx, store);
    TS_VERIFY_CTX_set_flags(vctx, TS_VFY_SIGNATURE | TS_VFY_VERSION
                            | TS_VFY_IMPRINT | TS_VFY_SIGNER);
    if (TS_RESP_verify_response(vctx, resp) != 1) {
        unsigned long e = ERR_peek_last_error();

        if (ERR_GET_LIB(e) == ERR_LIB_TS
            && ERR_GET_REASON(e) == TS_R_MESSAGE_IMPRINT_MISMATCH) {
            rv = ossl_err(err, p, NULL, "the receipt is for other data");
        }
        else {
            rv = ossl_err(err, p, NULL, "the receipt does not verify");
        }
    }
    else if (!envelope_ok(TS_RESP_get_token(resp), tsa->cert)) {
        rv = pt_err_set(err, p, NULL, 0, "the receipt does not verify (its"
                        " unsigned parts were altered)");
    }
    else if (!asn1_time_get(TS_TST_INFO_get_time(tst), &t)) {
        rv = ossl_err(err, p, NULL, "the receipt's time cannot be read");
    }
    else if (gen_time) {
        *gen_time = t;
    }
    TS_VERIFY_CTX_free(vctx);
    TS_RESP_free(resp);
    return rv;
}

apr_status_t pt_tsa_inspect(apr_pool_t *p, const unsigned char *der,
                            apr_size_t len, pt_tsa_info_t *info,
                            pt_err_t *err)
{
    TS_RESP *resp;
    TS_TST_INFO *tst;
    const ASN1_OCTET_STRING *msg;
    BIGNUM *bn;
    char *hex = NULL;
    char oid[128];
    int n;
    apr_status_t rv = parse_resp(p, der, len, &resp, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    tst = TS_RESP_get_tst_info(resp);
    bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL);
    if (bn) {
        hex = BN_bn2hex(bn);
    }
    BN_free(bn);
    n = OBJ_obj2txt(oid, sizeof(oid), TS_TST_INFO_get_policy_id(tst), 1);
    msg = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
    if (!hex || n <= 0 || n >= (int)sizeof(oid) || !msg
        || !asn1_time_get(TS_TST_INFO_get_time(tst), &info->gen_time)) {
        rv = ossl_err(err, p, NULL, "the receipt cannot be read");
    }
    else {
        info->serial = apr_pstrdup(p, hex);
        info->policy = apr_pstrdup(p, oid);
        info->digest = pt_hex_encode(p, ASN1_STRING_get0_data(msg),
                                     (apr_size_t)ASN1_STRING_length(msg));
    }
    OPENSSL_free(hex);
    TS_RESP_free(resp);
    return rv;
}

const char *pt_tsa_cert_pem(const pt_tsa_t *tsa)
{
    return tsa->cert_pem;
}

/* Dotted numbers: at least two arcs, no empty arc, at most 100 chars
 * (OBJ_txt2obj checks the values of the first two). */
static int oid_syntax_ok(const char *s)
{
    const char *start = s;
    int arcs = 0;

    if (!s) {
        return 0;
    }
    for (;;) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        while (*s >= '0' && *s <= '9') {
            s++;
        }
        arcs++;
        if (!*s) {
            break;
        }
        if (*s++ != '.') {
            return 0;
        }
    }
    return arcs >= 2 && s - start <= 100;
}

apr_status_t pt_tsa_set_policy(pt_tsa_t *tsa, const char *oid, pt_err_t *err)
{
    ASN1_OBJECT *obj = NULL;

    if (oid_syntax_ok(oid)) {
        obj = OBJ_txt2obj(oid, 1);
    }
    if (!obj) {
        ERR_clear_error();
        if (err) {
            err->what = "the TSA policy must be an OID of dotted numbers,"
                        " like " PT_TSA_DEFAULT_POLICY;
            err->where = NULL;
            err->line = 0;
        }
        return APR_EINVAL;
    }
    ASN1_OBJECT_free(tsa->policy);
    tsa->policy = obj;
    return APR_SUCCESS;
}

void pt_tsa_set_clock(pt_tsa_t *tsa, apr_time_t (*now)(void *baton),
                      void *baton)
{
    tsa->now = now;
    tsa->now_baton = baton;
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
    if (!asn1_time_get(X509_get0_notBefore(tsa->cert), &tsa->not_before)
        || !asn1_time_get(X509_get0_notAfter(tsa->cert), &tsa->not_after)) {
        return ossl_err(err, p, path, "the certificate's validity period"
                        " cannot be read");
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
        return ossl_err(err, p, path, "cannot encode the certificate");
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
            rv = ossl_err(err, p, NULL, "cannot make the policy OID");
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
