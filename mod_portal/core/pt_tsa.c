/*
 * pt_tsa.c -- the portal's RFC 3161 Time-Stamping Authority (see pt_tsa.h):
 * stamping, verification and inspection of receipts.  pt_tsa_open() and
 * the key and certificate files are in pt_tsa_keys.c; what the two files
 * share is in pt_tsa_int.h.
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
#include <string.h>

#include <apr_strings.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "pt_tsa_int.h"
#include "pt_crypto.h"

#define TSA_SERIAL_BYTES 16         /* 128-bit serial numbers */
#define TSA_TEXT_MAX 200            /* status text kept in messages */

/* ------------------------------------------------------------- shared */

apr_status_t pt_tsa_ossl_err(pt_err_t *err, apr_pool_t *p, const char *where,
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

int pt_tsa_asn1_time_get(const ASN1_TIME *t, apr_time_t *out)
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

ASN1_INTEGER *pt_tsa_serial_new(void)
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

/* ------------------------------------------------------------- tokens */

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


static ASN1_INTEGER *serial_cb(TS_RESP_CTX *ctx, void *data)
{
    ASN1_INTEGER *serial = pt_tsa_serial_new();

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
        return pt_tsa_ossl_err(err, p, NULL,
                               "not an RFC 3161 time-stamp response");
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
        return pt_tsa_ossl_err(err, p, NULL, "cannot set up a time-stamp");
    }
    resp = TS_RESP_create_response(ctx, req);
    TS_RESP_CTX_free(ctx);
    BIO_free(req);
    if (!resp) {
        return pt_tsa_ossl_err(err, p, NULL, "cannot make a time-stamp");
    }
    si = TS_RESP_get_status_info(resp);
    if (ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si))
        != TS_STATUS_GRANTED) {
        rv = pt_tsa_ossl_err(err, p, NULL, apr_psprintf(p, "the time-stamp"
                             " was refused (%s)", status_text(p, si)));
    }
    else {
        n = i2d_TS_RESP(resp, NULL);
        if (n <= 0) {
            rv = pt_tsa_ossl_err(err, p, NULL, "cannot encode a time-stamp");
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
        return pt_tsa_ossl_err(err, p, NULL, "cannot set up a verification");
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
            rv = pt_tsa_ossl_err(err, p, NULL,
                                 "the receipt is for other data");
        }
        else {
            rv = pt_tsa_ossl_err(err, p, NULL, "the receipt does not verify");
        }
    }
    else if (!envelope_ok(TS_RESP_get_token(resp), tsa->cert)) {
        rv = pt_err_set(err, p, NULL, 0, "the receipt does not verify (its"
                        " unsigned parts were altered)");
    }
    else if (!pt_tsa_asn1_time_get(TS_TST_INFO_get_time(tst), &t)) {
        rv = pt_tsa_ossl_err(err, p, NULL,
                             "the receipt's time cannot be read");
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
        || !pt_tsa_asn1_time_get(TS_TST_INFO_get_time(tst),
                                 &info->gen_time)) {
        rv = pt_tsa_ossl_err(err, p, NULL, "the receipt cannot be read");
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
