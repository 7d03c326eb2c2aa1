/*
 * pt_webauthn.c -- the relying party's side of WebAuthn Level 2
 * registration and authentication, and the helpers the glue needs to
 * build the options.  See pt_webauthn.h for the contracts; the parsers
 * are in pt_webauthn_data.c, keys and signatures in pt_cose.c.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_uri.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "pt_crypto.h"
#include "pt_webauthn.h"

/* ------------------------------------------------------------ helpers */

static int is_ip_literal(const char *host)
{
    apr_size_t i;

    if (strchr(host, ':')) {
        return 1;                       /* IPv6 */
    }
    for (i = 0; host[i]; i++) {
        if (!(host[i] >= '0' && host[i] <= '9') && host[i] != '.') {
            return 0;
        }
    }
    return 1;                           /* digits and dots: IPv4 */
}

static int is_localhost(const char *host)
{
    apr_size_t n = strlen(host);

    return !strcmp(host, "localhost")
           || (n > 10 && !strcmp(host + n - 10, ".localhost"));
}

apr_status_t pt_webauthn_rp_from_url(apr_pool_t *p, const char *base_url,
                                     const char **rp_id, const char **origin,
                                     pt_err_t *err)
{
    apr_uri_t u;
    char *host;
    int https;
    apr_size_t i;

    *rp_id = NULL;
    *origin = NULL;
    if (!base_url || apr_uri_parse(p, base_url, &u) != APR_SUCCESS
        || !u.scheme || !u.hostname || !*u.hostname || u.user || u.password) {
        pt_err_set(err, p, NULL, 0, "the base URL is not an http(s) URL with "
                   "a host name");
        return APR_EINVAL;
    }
    if (!strcasecmp(u.scheme, "https")) {
        https = 1;
    }
    else if (!strcasecmp(u.scheme, "http")) {
        https = 0;
    }
    else {
        pt_err_set(err, p, NULL, 0, "the base URL is not an http(s) URL");
        return APR_EINVAL;
    }
    host = apr_pstrdup(p, u.hostname);
    for (i = 0; host[i]; i++) {
        if (host[i] >= 'A' && host[i] <= 'Z') {
            host[i] = (char)(host[i] - 'A' + 'a');
        }
    }
    if (is_ip_literal(host)) {
        pt_err_set(err, p, NULL, 0, "passkeys need a host name in the base "
                   "URL: browsers refuse an IP address as relying party");
        return APR_EINVAL;
    }
    if (!https && !is_localhost(host)) {
        pt_err_set(err, p, NULL, 0, "passkeys need an https base URL (or "
                   "http://localhost)");
        return APR_EINVAL;
    }
    *rp_id = host;
    if (u.port_str && *u.port_str && u.port != (https ? 443 : 80)) {
        *origin = apr_psprintf(p, "%s://%s:%u", https ? "https" : "http",
                               host, (unsigned)u.port);
    }
    else {
        *origin = apr_pstrcat(p, https ? "https" : "http", "://", host, NULL);
    }
    return APR_SUCCESS;
}

apr_status_t pt_webauthn_challenge_new(apr_pool_t *p, unsigned char **raw,
                                       const char **b64)
{
    unsigned char *c = apr_palloc(p, PT_WA_CHALLENGE_BYTES);

    *raw = NULL;
    *b64 = NULL;
    if (pt_random_bytes(c, PT_WA_CHALLENGE_BYTES) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *raw = c;
    *b64 = pt_b64url_encode(p, c, PT_WA_CHALLENGE_BYTES);
    return APR_SUCCESS;
}

apr_status_t pt_webauthn_transports(apr_pool_t *p, const json_t *arr,
                                    const char **csv, pt_err_t *err)
{
    /* sorted: the output follows this order */
    static const char *const known[] = {
        "ble", "hybrid", "internal", "nfc", "smart-card", "usb"
    };
    int seen[sizeof(known) / sizeof(known[0])] = { 0 };
    const char *out = "";
    apr_size_t i, k;

    *csv = NULL;
    if (!arr || json_is_null(arr)) {
        *csv = "";
        return APR_SUCCESS;
    }
    if (!json_is_array(arr) || json_array_size(arr) > 8) {
        pt_err_set(err, p, NULL, 0, "transports must be a list of at most 8 "
                   "names");
        return APR_EINVAL;
    }
    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        int found = 0;

        for (k = 0; json_is_string(v) && k < sizeof(known) / sizeof(known[0]);
             k++) {
            if (!strcmp(json_string_value(v), known[k])) {
                seen[k] = found = 1;
            }
        }
        if (!found) {
            pt_err_set(err, p, NULL, 0, "unknown transport");
            return APR_EINVAL;
        }
    }
    for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
        if (seen[k]) {
            out = *out ? apr_pstrcat(p, out, ",", known[k], NULL) : known[k];
        }
    }
    *csv = out;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ checks */

static apr_status_t expect_ok(apr_pool_t *p, const pt_webauthn_expect_t *x,
                              pt_err_t *err)
{
    if (!x || !x->rp_id || !*x->rp_id || !x->origin || !*x->origin
        || !x->challenge || x->challenge_len < PT_WA_MIN_CHALLENGE) {
        pt_err_set(err, p, NULL, 0, "no relying party, origin or challenge "
                   "to check against");
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* clientDataJSON: parsed, and its type, challenge, origin, crossOrigin
 * and tokenBinding what this ceremony expects. */
static apr_status_t check_client(apr_pool_t *p, const pt_webauthn_expect_t *x,
                                 const char *type,
                                 const unsigned char *json, apr_size_t len,
                                 pt_err_t *err)
{
    pt_wa_client_data_t cd;
    apr_status_t rv;

    rv = pt_webauthn_client_data_parse(p, json, len, &cd, err);
    if (rv) {
        return rv;
    }
    if (strcmp(cd.type, type)) {
        return pt_err_set(err, p, NULL, 0, "wrong type (expected %s)", type);
    }
    if (cd.challenge_len != x->challenge_len
        || CRYPTO_memcmp(cd.challenge_raw, x->challenge, x->challenge_len)) {
        return pt_err_set(err, p, NULL, 0, "wrong challenge");
    }
    if (strcmp(cd.origin, x->origin)) {
        return pt_err_set(err, p, NULL, 0, "wrong origin");
    }
    if (cd.cross_origin) {
        return pt_err_set(err, p, NULL, 0, "cross-origin requests are not "
                          "accepted");
    }
    if (cd.token_binding && strcmp(cd.token_binding, "supported")) {
        return pt_err_set(err, p, NULL, 0, "token binding is not used here");
    }
    return APR_SUCCESS;
}

/* The flags and relying party of authenticator data. */
static apr_status_t check_auth(apr_pool_t *p, const pt_webauthn_expect_t *x,
                               const pt_wa_auth_data_t *ad, pt_err_t *err)
{
    unsigned char want[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *)x->rp_id, strlen(x->rp_id), want);
    if (CRYPTO_memcmp(want, ad->rp_id_hash, sizeof(want))) {
        return pt_err_set(err, p, NULL, 0, "wrong relying party");
    }
    if (!(ad->flags & PT_WA_FLAG_UP)) {
        return pt_err_set(err, p, NULL, 0, "user presence missing");
    }
    if (x->require_uv && !(ad->flags & PT_WA_FLAG_UV)) {
        return pt_err_set(err, p, NULL, 0, "user verification missing");
    }
    if ((ad->flags & PT_WA_FLAG_BS) && !(ad->flags & PT_WA_FLAG_BE)) {
        pt_err_set(err, p, NULL, 0, "backed up but not backup eligible");
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

static const char *uuid_text(apr_pool_t *p, const unsigned char *b)
{
    const char *h = pt_hex_encode(p, b, 16);

    return apr_psprintf(p, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
                        h + 16, h + 20);
}

/* ------------------------------------------------------------ ceremonies */

apr_status_t pt_webauthn_register(apr_pool_t *p,
                                  const pt_webauthn_expect_t *x,
                                  const unsigned char *client_data,
                                  apr_size_t client_data_len,
                                  const unsigned char *attestation,
                                  apr_size_t attestation_len,
                                  pt_webauthn_cred_t *cred, pt_err_t *err)
{
    pt_wa_attestation_t att;
    pt_wa_auth_data_t ad;
    pt_cose_key_t key;
    apr_status_t rv;

    memset(cred, 0, sizeof(*cred));
    rv = expect_ok(p, x, err);
    if (!rv) {
        rv = check_client(p, x, "webauthn.create", client_data,
                          client_data_len, err);
    }
    if (!rv) {
        rv = pt_webauthn_attestation_parse(p, attestation, attestation_len,
                                           &att, err);
    }
    if (!rv) {
        rv = pt_webauthn_auth_data_parse(p, att.auth_data, att.auth_data_len,
                                         &ad, err);
    }
    if (!rv) {
        rv = check_auth(p, x, &ad, err);
    }
    if (rv) {
        return rv;
    }
    if (!(ad.flags & PT_WA_FLAG_AT)) {
        pt_err_set(err, p, NULL, 0, "no credential in the attestation");
        return APR_EINVAL;
    }
    rv = pt_cose_key_parse(p, ad.cose_key, ad.cose_key_len, &key, err);
    if (rv) {
        return rv;
    }
    if (!strcmp(att.fmt, "none")) {
        if (!att.att_empty) {
            pt_err_set(err, p, NULL, 0, "attestation \"none\" with a "
                       "statement");
            return APR_EINVAL;
        }
    }
    else if (!strcmp(att.fmt, "packed") && !att.att_x5c) {
        /* self attestation: signed by the new credential itself */
        if (att.att_alg != key.alg) {
            return pt_err_set(err, p, NULL, 0, "packed attestation: alg "
                              "differs from the key's");
        }
        if (ad.flags & PT_WA_FLAG_ED) {
            return pt_err_set(err, p, NULL, 0, "packed attestation with "
                              "extensions is not supported");
        }
        rv = pt_cose_verify(p, &key, x->rp_id, att.auth_data,
                            att.auth_data_len, client_data, client_data_len,
                            att.att_sig, att.att_sig_len, x->require_uv,
                            err);
        if (rv) {
            return rv;
        }
    }
    else {
        return pt_err_set(err, p, NULL, 0, "unsupported attestation format "
                          "(the portal asks for \"none\")");
    }
    cred->id = apr_pmemdup(p, ad.cred_id, ad.cred_id_len);
    cred->id_len = ad.cred_id_len;
    cred->id_b64 = pt_b64url_encode(p, ad.cred_id, ad.cred_id_len);
    cred->public_key = apr_pmemdup(p, ad.cose_key, ad.cose_key_len);
    cred->public_key_len = ad.cose_key_len;
    cred->alg = key.alg;
    cred->sign_count = ad.sign_count;
    cred->aaguid = uuid_text(p, ad.aaguid);
    cred->flags = ad.flags;
    cred->fmt = att.fmt;
    return APR_SUCCESS;
}

apr_status_t pt_webauthn_assert(apr_pool_t *p, const pt_webauthn_expect_t *x,
                                const unsigned char *public_key,
                                apr_size_t public_key_len,
                                apr_uint32_t stored_count,
                                const unsigned char *client_data,
                                apr_size_t client_data_len,
                                const unsigned char *auth_data,
                                apr_size_t auth_data_len,
                                const unsigned char *sig, apr_size_t sig_len,
                                pt_webauthn_result_t *res, pt_err_t *err)
{
    pt_wa_auth_data_t ad;
    pt_cose_key_t key;
    apr_status_t rv;

    if (res) {
        memset(res, 0, sizeof(*res));
    }
    rv = expect_ok(p, x, err);
    if (!rv) {
        rv = check_client(p, x, "webauthn.get", client_data, client_data_len,
                          err);
    }
    if (!rv) {
        rv = pt_webauthn_auth_data_parse(p, auth_data, auth_data_len, &ad,
                                         err);
    }
    if (rv) {
        return rv;
    }
    if (ad.flags & PT_WA_FLAG_AT) {
        pt_err_set(err, p, NULL, 0, "unexpected credential data in an "
                   "assertion");
        return APR_EINVAL;
    }
    rv = check_auth(p, x, &ad, err);
    if (rv) {
        return rv;
    }
    if (!sig || sig_len == 0 || sig_len > PT_WA_MAX_SIGNATURE) {
        pt_err_set(err, p, NULL, 0, "no signature or one too long");
        return APR_EINVAL;
    }
    rv = pt_cose_key_parse(p, public_key, public_key_len, &key, err);
    if (rv) {
        return rv;
    }
    rv = pt_cose_verify(p, &key, x->rp_id, auth_data, auth_data_len,
                        client_data, client_data_len, sig, sig_len,
                        x->require_uv, err);
    if (rv) {
        return rv;
    }
    if (res) {
        res->sign_count = ad.sign_count;
        res->flags = ad.flags;
    }
    if ((ad.sign_count || stored_count) && ad.sign_count <= stored_count) {
        pt_err_set(err, p, NULL, 0, "signature counter did not increase "
                   "(possible cloned authenticator)");
        return PT_WEBAUTHN_ECOUNTER;
    }
    return APR_SUCCESS;
}
