/*
 * pt_tsa_client.c -- RFC 3161 time-stamps from an external TSA (see
 * pt_tsa_client.h).
 *
 * The request and the checks are OpenSSL's TS API: TS_REQ for the query,
 * TS_REQ_to_TS_VERIFY_CTX() so that the answer is checked against exactly
 * what was asked (imprint, nonce, policy), plus TS_VFY_SIGNATURE with the
 * CA file's store -- the checks `openssl ts -verify -queryfile` makes.
 * The transfer is one libcurl POST with the core's usual guards.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include <curl/curl.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "pt_buf.h"
#include "pt_crypto.h"
#include "pt_curl.h"
#include "pt_tsa_client.h"

#define NONCE_BYTES 8
#define TEXT_MAX 200

struct pt_tsa_client_t {
    pt_tsa_client_conf_t conf;
    const char *host;
    X509_STORE *store;          /* the CA file's certificates */
    ASN1_OBJECT *policy;        /* or NULL */
};

/* ------------------------------------------------------------ helpers */

/* err = what, plus the newest OpenSSL error (and its detail text); the
 * queue is cleared.  Returns APR_EGENERAL. */
static apr_status_t ossl_fail(pt_err_t *err, apr_pool_t *p, const char *what)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e = ERR_peek_last_error_data(&data, &flags);
    char buf[256];

    if (e == 0) {
        return pt_err_set(err, p, NULL, 0, "%s", what);
    }
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!(flags & ERR_TXT_STRING) || !data || !*data) {
        data = NULL;
    }
    pt_err_set(err, p, NULL, 0, "%s (%s%s%s)", what, buf, data ? ": " : "",
               data ? data : "");
    ERR_clear_error();
    return APR_EGENERAL;
}

static apr_status_t client_cleanup(void *data)
{
    pt_tsa_client_t *c = data;

    X509_STORE_free(c->store);
    ASN1_OBJECT_free(c->policy);
    return APR_SUCCESS;
}

/* *out (may be NULL) = the ASN.1 time t in whole seconds; 0 when it cannot
 * be read. */
static int asn1_time_get(const ASN1_TIME *t, apr_time_t *out)
{
    struct tm tm;
    apr_time_exp_t xt;
    apr_time_t v;

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
    if (apr_time_exp_gmt_get(&v, &xt) != APR_SUCCESS) {
        return 0;
    }
    if (out) {
        *out = v;
    }
    return 1;
}

/* Dotted numbers, at least two arcs, at most 100 characters. */
static int oid_ok(const char *s)
{
    const char *start = s;
    int arcs = 0;

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

/* The status of a response, for messages: number, first text, failure
 * info bits. */
static const char *status_text(apr_pool_t *p, TS_STATUS_INFO *si)
{
    static const char *const fails[] = {
        "badAlg", NULL, "badRequest", NULL, NULL, "badDataFormat", NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, "timeNotAvailable",
        "unacceptedPolicy", "unacceptedExtension", "addInfoNotAvailable",
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, "systemFailure"
    };
    const STACK_OF(ASN1_UTF8STRING) *texts = TS_STATUS_INFO_get0_text(si);
    const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
    const char *s = apr_psprintf(p, "status %ld",
                                 ASN1_INTEGER_get(
                                     TS_STATUS_INFO_get0_status(si)));
    int i;

    if (texts && sk_ASN1_UTF8STRING_num(texts) > 0) {
        const ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(texts, 0);
        int n = ASN1_STRING_length(t);
        char *txt = apr_pstrmemdup(p, (const char *)ASN1_STRING_get0_data(t),
                                   n > TEXT_MAX ? TEXT_MAX : (apr_size_t)n);
        char *c;

        for (c = txt; *c; c++) {
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                *c = ' ';
            }
        }
        s = apr_psprintf(p, "%s, \"%s\"", s, txt);
    }
    for (i = 0; fi && i < (int)(sizeof(fails) / sizeof(fails[0])); i++) {
        if (fails[i] && ASN1_BIT_STRING_get_bit(fi, i)) {
            s = apr_pstrcat(p, s, ", ", fails[i], NULL);
        }
    }
    return s;
}

/* ------------------------------------------------------------ make */

apr_status_t pt_tsa_client_make(apr_pool_t *p,
                                const pt_tsa_client_conf_t *conf,
                                pt_tsa_client_t **out, pt_err_t *err)
{
    pt_tsa_client_t *c = apr_pcalloc(p, sizeof(*c));
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int ok;

    c->conf = *conf;
    u = curl_url();
    ok = u && conf->url
         && curl_url_set(u, CURLUPART_URL, conf->url, 0) == CURLUE_OK
         && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK
         && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK
         && (!strcmp(scheme, "http") || !strcmp(scheme, "https")) && *host;
    if (ok) {
        c->host = apr_pstrdup(p, host);
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    if (!ok) {
        pt_err_set(err, p, NULL, 0, "the time-stamping URL must be an "
                   "http:// or https:// URL with a host");
        return APR_EINVAL;
    }
    if (conf->policy && !(oid_ok(conf->policy)
                          && (c->policy = OBJ_txt2obj(conf->policy, 1)))) {
        ERR_clear_error();
        pt_err_set(err, p, NULL, 0, "the time-stamping policy must be an "
                   "OID of dotted numbers");
        return APR_EINVAL;
    }
    c->store = X509_STORE_new();
    apr_pool_cleanup_register(p, c, client_cleanup, apr_pool_cleanup_null);
    if (!c->store) {
        return ossl_fail(err, p, "cannot set up a certificate store");
    }
    if (conf->ca_file) {
        if (X509_STORE_load_file(c->store, conf->ca_file) != 1
            || sk_X509_OBJECT_num(X509_STORE_get0_objects(c->store)) == 0) {
            ossl_fail(err, p, "no CA certificate could be read");
            err->where = conf->ca_file;
            return APR_EINVAL;
        }
    }
    else if (X509_STORE_set_default_paths(c->store) != 1) {
        return ossl_fail(err, p, "cannot load the system's trusted "
                         "certificates");
    }
    if (c->conf.max_bytes == 0 || c->conf.max_bytes > PT_TSA_MAX_DER) {
        c->conf.max_bytes = PT_TSA_MAX_DER;
    }
    if (c->conf.connect_timeout <= 0) {
        c->conf.connect_timeout = PT_TSA_CLIENT_CONNECT_TIMEOUT;
    }
    if (c->conf.timeout <= 0) {
        c->conf.timeout = PT_TSA_CLIENT_TIMEOUT;
    }
    *out = c;
    return APR_SUCCESS;
}

const char *pt_tsa_client_host(const pt_tsa_client_t *c)
{
    return c->host;
}

/* ------------------------------------------------------------ request */

/* A TimeStampReq for digest with a fresh nonce, or NULL. */
static TS_REQ *make_request(pt_tsa_client_t *c, const unsigned char *digest)
{
    unsigned char raw[NONCE_BYTES];
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    BIGNUM *bn = NULL;
    ASN1_INTEGER *nonce = NULL;
    int ok;

    ok = req && mi && alg && pt_random_bytes(raw, sizeof(raw)) == APR_SUCCESS
         && (bn = BN_bin2bn(raw, (int)sizeof(raw), NULL)) != NULL
         && (nonce = BN_to_ASN1_INTEGER(bn, NULL)) != NULL
         && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL)
         && TS_MSG_IMPRINT_set_algo(mi, alg)
         && TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest,
                                   PT_TSA_DIGEST_LEN)
         && TS_REQ_set_version(req, 1)
         && TS_REQ_set_msg_imprint(req, mi)
         && TS_REQ_set_nonce(req, nonce)
         && TS_REQ_set_cert_req(req, 1)
         && (!c->policy || TS_REQ_set_policy_id(req, c->policy));
    BN_free(bn);
    ASN1_INTEGER_free(nonce);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    if (!ok) {
        TS_REQ_free(req);
        return NULL;
    }
    return req;
}

typedef struct xfer_t {
    pt_buf_t body;
    int too_big;
} xfer_t;

static size_t write_cb(char *data, size_t size, size_t nitems, void *ud)
{
    xfer_t *x = ud;
    size_t n = size * nitems;

    if (pt_buf_append(&x->body, data, n) != APR_SUCCESS) {
        x->too_big = 1;
        return 0;
    }
    return n;
}

/* POST the request; the answer's body into *body (HTTP 200 only). */
static apr_status_t post(pt_tsa_client_t *c, apr_pool_t *p,
                         const unsigned char *q, apr_size_t qlen,
                         const char **body, apr_size_t *blen, pt_err_t *err)
{
    const pt_tsa_client_conf_t *cf = &c->conf;
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdrs = NULL, *h1;
    CURL *h = pt_curl_new(p);
    CURLcode rc = CURLE_OK;
    xfer_t x;
    long status = 0;

    if (!h) {
        return pt_err_set(err, p, NULL, 0, "curl_easy_init failed");
    }
    h1 = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
    hdrs = h1 ? curl_slist_append(h1, "Accept: application/timestamp-reply")
              : NULL;
    if (!hdrs) {
        curl_slist_free_all(h1);
        pt_curl_release(p, h);
        return pt_err_set(err, p, NULL, 0, "out of memory");
    }
    apr_pool_cleanup_register(p, hdrs, pt_curl_slist_cleanup,
                              apr_pool_cleanup_null);
    memset(&x, 0, sizeof(x));
    pt_buf_init(&x.body, p, 4096, cf->max_bytes);
    errbuf[0] = '\0';
    PT_CURL_SETOPT(CURLOPT_URL, cf->url);
    PT_CURL_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    PT_CURL_SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    PT_CURL_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    PT_CURL_SETOPT(CURLOPT_NOSIGNAL, 1L);
    PT_CURL_SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    PT_CURL_SETOPT(CURLOPT_CONNECTTIMEOUT, cf->connect_timeout);
    PT_CURL_SETOPT(CURLOPT_TIMEOUT, cf->timeout);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (cf->tls_ca_file) {
        PT_CURL_SETOPT(CURLOPT_CAINFO, cf->tls_ca_file);
    }
    PT_CURL_SETOPT(CURLOPT_USERAGENT, cf->user_agent ? cf->user_agent
                                                     : "mod_portal");
    PT_CURL_SETOPT(CURLOPT_POST, 1L);
    PT_CURL_SETOPT(CURLOPT_POSTFIELDS, (const char *)q);
    PT_CURL_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)qlen);
    PT_CURL_SETOPT(CURLOPT_HTTPHEADER, hdrs);
    PT_CURL_SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cf->max_bytes);
    PT_CURL_SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
    PT_CURL_SETOPT(CURLOPT_WRITEDATA, &x);
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(h);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    pt_curl_release(p, h);
    apr_pool_cleanup_run(p, hdrs, pt_curl_slist_cleanup);

    if (x.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        pt_err_set(err, p, NULL, 0, "the TSA at %s answered with more than %"
                   APR_SIZE_T_FMT " bytes", c->host, cf->max_bytes);
        return APR_EGENERAL;
    }
    if (status >= 500 || status == 429) {
        pt_err_set(err, p, NULL, 0, "the TSA at %s answered HTTP %ld",
                   c->host, status);
        return APR_EAGAIN;
    }
    if (status != 0 && status != 200) {
        pt_err_set(err, p, NULL, 0, "the TSA at %s answered HTTP %ld (not a"
                   " time-stamp)", c->host, status);
        return APR_EGENERAL;
    }
    if (rc != CURLE_OK) {
        const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

        pt_err_set(err, p, NULL, 0, "cannot reach the TSA at %s: %s",
                   c->host, why);
        return rc == CURLE_PEER_FAILED_VERIFICATION
               || rc == CURLE_SSL_CACERT_BADFILE ? APR_EGENERAL : APR_EAGAIN;
    }
    *body = x.body.data;
    *blen = x.body.len;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ checks */

/*
 * Check a DER TimeStampResp: granted, complete, SHA-256 imprint, and the
 * token against the store -- with req (imprint, nonce, policy) when given,
 * else against digest alone.
 */
static apr_status_t check_resp(pt_tsa_client_t *c, apr_pool_t *p,
                               const unsigned char *der, apr_size_t len,
                               const unsigned char *digest, TS_REQ *req,
                               apr_time_t *gen_time, pt_err_t *err)
{
    const unsigned char *q = der;
    TS_RESP *resp;
    TS_TST_INFO *tst;
    TS_VERIFY_CTX *vctx = NULL;
    const ASN1_OBJECT *alg = NULL;
    const ASN1_OCTET_STRING *msg;
    long status;
    apr_status_t rv = APR_SUCCESS;

    if (len == 0 || len > PT_TSA_MAX_DER) {
        return pt_err_set(err, p, NULL, 0, "not an RFC 3161 time-stamp "
                          "response (%" APR_SIZE_T_FMT " bytes)", len);
    }
    resp = d2i_TS_RESP(NULL, &q, (long)len);
    if (!resp) {
        return ossl_fail(err, p, "not an RFC 3161 time-stamp response");
    }
    if (q != der + len) {
        TS_RESP_free(resp);
        return pt_err_set(err, p, NULL, 0, "not an RFC 3161 time-stamp "
                          "response (%ld extra bytes at its end)",
                          (long)(der + len - q));
    }
    status = ASN1_INTEGER_get(
        TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
    tst = TS_RESP_get_tst_info(resp);
    if ((status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS)
        || !tst) {
        rv = pt_err_set(err, p, NULL, 0, "the TSA refused the time-stamp "
                        "(%s)", status_text(p,
                                            TS_RESP_get_status_info(resp)));
        TS_RESP_free(resp);
        return rv;
    }
    X509_ALGOR_get0(&alg, NULL, NULL,
                    TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst)));
    msg = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
    if (OBJ_obj2nid(alg) != NID_sha256 || !msg
        || ASN1_STRING_length(msg) != PT_TSA_DIGEST_LEN
        || memcmp(ASN1_STRING_get0_data(msg), digest, PT_TSA_DIGEST_LEN)) {
        TS_RESP_free(resp);
        return pt_err_set(err, p, NULL, 0, "the time-stamp is for other "
                          "data (its SHA-256 imprint is not the digest)");
    }
    if (req) {
        vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
    }
    else if ((vctx = TS_VERIFY_CTX_new()) != NULL) {
        unsigned char *imprint = OPENSSL_memdup(digest, PT_TSA_DIGEST_LEN);

        if (imprint) {
            TS_VERIFY_CTX_set_imprint(vctx, imprint, PT_TSA_DIGEST_LEN);
            TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT
                                    | TS_VFY_SIGNER);
        }
        else {
            TS_VERIFY_CTX_free(vctx);
            vctx = NULL;
        }
    }
    if (!vctx || !X509_STORE_up_ref(c->store)) {
        TS_VERIFY_CTX_free(vctx);
        TS_RESP_free(resp);
        return ossl_fail(err, p, "cannot set up a verification");
    }
    TS_VERIFY_CTX_set_store(vctx, c->store);      /* vctx owns a reference */
    TS_VERIFY_CTX_add_flags(vctx, TS_VFY_SIGNATURE);
    if (TS_RESP_verify_response(vctx, resp) != 1) {
        unsigned long e = ERR_peek_last_error();
        int reason = ERR_GET_LIB(e) == ERR_LIB_TS ? ERR_GET_REASON(e) : 0;

        rv = ossl_fail(err, p, reason == TS_R_NONCE_MISMATCH
                       ? "the time-stamp answers another request (its nonce "
                         "is not ours)"
                       : reason == TS_R_MESSAGE_IMPRINT_MISMATCH
                       ? "the time-stamp is for other data"
                       : reason == TS_R_CERTIFICATE_VERIFY_ERROR
                       ? "the TSA's certificate does not verify against the "
                         "CA file"
                       : reason == TS_R_POLICY_MISMATCH
                       ? "the time-stamp has another policy than the one "
                         "asked for"
                       : "the time-stamp does not verify");
    }
    else if (!asn1_time_get(TS_TST_INFO_get_time(tst), gen_time)) {
        rv = pt_err_set(err, p, NULL, 0, "the time-stamp's time cannot be "
                        "read");
    }
    TS_VERIFY_CTX_free(vctx);
    TS_RESP_free(resp);
    return rv;
}

apr_status_t pt_tsa_client_verify(pt_tsa_client_t *c, apr_pool_t *p,
                                  const unsigned char *der, apr_size_t len,
                                  const unsigned char *digest,
                                  apr_time_t *gen_time, pt_err_t *err)
{
    return check_resp(c, p, der, len, digest, NULL, gen_time, err);
}

apr_status_t pt_tsa_client_stamp(pt_tsa_client_t *c, apr_pool_t *p,
                                 const unsigned char *digest,
                                 unsigned char **der, apr_size_t *len,
                                 pt_tsa_info_t *info, pt_err_t *err)
{
    TS_REQ *req = make_request(c, digest);
    unsigned char *q = NULL;
    const char *body = NULL;
    apr_size_t blen = 0;
    apr_status_t rv;
    int qlen;

    if (!req) {
        return ossl_fail(err, p, "cannot make a time-stamp request");
    }
    qlen = i2d_TS_REQ(req, &q);
    if (qlen <= 0) {
        TS_REQ_free(req);
        return ossl_fail(err, p, "cannot encode a time-stamp request");
    }
    rv = post(c, p, q, (apr_size_t)qlen, &body, &blen, err);
    OPENSSL_free(q);
    if (rv == APR_SUCCESS) {
        rv = check_resp(c, p, (const unsigned char *)body, blen, digest, req,
                        NULL, err);
        if (rv != APR_SUCCESS && err && err->what) {
            err->what = apr_psprintf(p, "the TSA at %s: %s", c->host,
                                     err->what);
        }
    }
    TS_REQ_free(req);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (info && pt_tsa_inspect(p, (const unsigned char *)body, blen, info,
                               err) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *der = apr_pmemdup(p, body, blen);
    *len = blen;
    return APR_SUCCESS;
}
