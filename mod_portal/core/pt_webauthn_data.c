/*
 * pt_webauthn_data.c -- the parsers of WebAuthn responses: clientDataJSON
 * (jansson), authenticator data (by hand: a fixed layout), attestation
 * objects (pt_cbor_check, then libcbor).  They check form only; what the
 * values must be is pt_webauthn.c's business.  See pt_webauthn.h.
 */
#include <string.h>

#include <apr_strings.h>

#include <cbor.h>

#include "pt_crypto.h"
#include "pt_webauthn.h"

#define AD_FIXED 37                 /* rpIdHash, flags, signCount */

/* A json_t freed when the function returns: every path calls this. */
static void json_done(json_t *j)
{
    if (j) {
        json_decref(j);
    }
}

apr_status_t pt_webauthn_client_data_parse(apr_pool_t *p,
                                           const unsigned char *json,
                                           apr_size_t len,
                                           pt_wa_client_data_t *cd,
                                           pt_err_t *err)
{
    json_error_t jerr;
    json_t *root, *v, *tb;
    unsigned char *raw = NULL;
    apr_size_t rawlen = 0;
    const char *msg = NULL;

    memset(cd, 0, sizeof(*cd));
    if (!json || len == 0 || len > PT_WA_MAX_CLIENT_DATA) {
        pt_err_set(err, p, NULL, 0, "clientDataJSON is empty or too long");
        return APR_EINVAL;
    }
    root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        json_done(root);
        pt_err_set(err, p, NULL, 0, "clientDataJSON is not a JSON object");
        return APR_EINVAL;
    }
    v = json_object_get(root, "type");
    if (!json_is_string(v)) {
        msg = "clientDataJSON has no type";
        goto bad;
    }
    cd->type = apr_pstrdup(p, json_string_value(v));
    v = json_object_get(root, "challenge");
    if (!json_is_string(v) || json_string_length(v) > 128
        || pt_b64url_decode(p, json_string_value(v), &raw, &rawlen)
           != APR_SUCCESS
        || rawlen < PT_WA_MIN_CHALLENGE || rawlen > 64) {
        msg = "clientDataJSON has no valid challenge";
        goto bad;
    }
    cd->challenge = apr_pstrdup(p, json_string_value(v));
    cd->challenge_raw = raw;
    cd->challenge_len = rawlen;
    v = json_object_get(root, "origin");
    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) > 1024) {
        msg = "clientDataJSON has no origin";
        goto bad;
    }
    cd->origin = apr_pstrdup(p, json_string_value(v));
    v = json_object_get(root, "crossOrigin");
    if (v && !json_is_boolean(v)) {
        msg = "clientDataJSON crossOrigin is not a boolean";
        goto bad;
    }
    cd->cross_origin = v && json_is_true(v);
    tb = json_object_get(root, "tokenBinding");
    if (tb) {
        v = json_object_get(tb, "status");
        if (!json_is_object(tb) || !json_is_string(v)) {
            msg = "clientDataJSON tokenBinding is malformed";
            goto bad;
        }
        cd->token_binding = apr_pstrdup(p, json_string_value(v));
    }
    json_done(root);
    return APR_SUCCESS;
bad:
    json_done(root);
    memset(cd, 0, sizeof(*cd));
    pt_err_set(err, p, NULL, 0, "%s", msg);
    return APR_EINVAL;
}

apr_status_t pt_webauthn_auth_data_parse(apr_pool_t *p,
                                         const unsigned char *buf,
                                         apr_size_t len,
                                         pt_wa_auth_data_t *ad,
                                         pt_err_t *err)
{
    apr_size_t pos = AD_FIXED, n;
    const char *msg;

    memset(ad, 0, sizeof(*ad));
    if (!buf || len < AD_FIXED || len > PT_WA_MAX_AUTH_DATA) {
        msg = "authenticator data too short or too long";
        goto bad;
    }
    memcpy(ad->rp_id_hash, buf, 32);
    ad->flags = buf[32];
    ad->sign_count = ((apr_uint32_t)buf[33] << 24)
                     | ((apr_uint32_t)buf[34] << 16)
                     | ((apr_uint32_t)buf[35] << 8) | buf[36];
    if (ad->flags & PT_WA_FLAG_AT) {
        if (len - pos < 18) {
            msg = "attested credential data truncated";
            goto bad;
        }
        memcpy(ad->aaguid, buf + pos, 16);
        n = ((apr_size_t)buf[pos + 16] << 8) | buf[pos + 17];
        pos += 18;
        if (n == 0 || n > PT_WA_MAX_CRED_ID || len - pos < n) {
            msg = "bad credential id length";
            goto bad;
        }
        ad->cred_id = buf + pos;
        ad->cred_id_len = n;
        pos += n;
        if (pt_cbor_check(buf + pos, len - pos, &n) != APR_SUCCESS
            || (buf[pos] >> 5) != 5) {
            msg = "the credential public key is not a CBOR map";
            goto bad;
        }
        ad->cose_key = buf + pos;
        ad->cose_key_len = n;
        pos += n;
    }
    if (ad->flags & PT_WA_FLAG_ED) {
        if (pos >= len || pt_cbor_check(buf + pos, len - pos, &n)
                          != APR_SUCCESS
            || (buf[pos] >> 5) != 5) {
            msg = "the extensions are not a CBOR map";
            goto bad;
        }
        ad->extensions = buf + pos;
        ad->extensions_len = n;
        pos += n;
    }
    if (pos != len) {
        msg = "trailing bytes after the authenticator data";
        goto bad;
    }
    return APR_SUCCESS;
bad:
    memset(ad, 0, sizeof(*ad));
    pt_err_set(err, p, NULL, 0, "%s", msg);
    return APR_EINVAL;
}

/* 1 when it is a definite text string equal to s. */
static int text_is(const cbor_item_t *it, const char *s)
{
    apr_size_t n = strlen(s);

    return cbor_isa_string(it) && cbor_string_is_definite(it)
           && cbor_string_length(it) == n
           && !memcmp(cbor_string_handle(it), s, n);
}

/* Read a packed statement's alg, sig and x5c. */
static const char *packed_stmt(apr_pool_t *p, const cbor_item_t *stmt,
                               pt_wa_attestation_t *att)
{
    struct cbor_pair *pairs = cbor_map_handle(stmt);
    int have_alg = 0;
    apr_size_t i;

    for (i = 0; i < cbor_map_size(stmt); i++) {
        const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;

        if (text_is(k, "alg")) {
            if (have_alg || !cbor_isa_negint(v) || cbor_get_int(v) > 0xffff) {
                return "packed attestation: bad alg";
            }
            att->att_alg = -1 - (int)cbor_get_int(v);
            have_alg = 1;
        }
        else if (text_is(k, "sig")) {
            if (att->att_sig || !cbor_isa_bytestring(v)
                || !cbor_bytestring_is_definite(v)
                || cbor_bytestring_length(v) == 0
                || cbor_bytestring_length(v) > PT_WA_MAX_SIGNATURE) {
                return "packed attestation: bad sig";
            }
            att->att_sig_len = cbor_bytestring_length(v);
            att->att_sig = apr_pmemdup(p, cbor_bytestring_handle(v),
                                       att->att_sig_len);
        }
        else if (text_is(k, "x5c")) {
            att->att_x5c = 1;
        }
    }
    if (!have_alg || !att->att_sig) {
        return "packed attestation without alg or sig";
    }
    return NULL;
}

apr_status_t pt_webauthn_attestation_parse(apr_pool_t *p,
                                           const unsigned char *buf,
                                           apr_size_t len,
                                           pt_wa_attestation_t *att,
                                           pt_err_t *err)
{
    struct cbor_load_result res;
    cbor_item_t *item = NULL;
    const cbor_item_t *fmt = NULL, *stmt = NULL, *ad = NULL;
    struct cbor_pair *pairs;
    const char *msg = NULL;
    apr_size_t n, i;

    memset(att, 0, sizeof(*att));
    if (!buf || len == 0 || len > PT_WA_MAX_ATTESTATION
        || pt_cbor_check(buf, len, &n) != APR_SUCCESS || n != len) {
        pt_err_set(err, p, NULL, 0, "the attestation object is not one "
                   "well-formed CBOR item");
        return APR_EINVAL;
    }
    item = cbor_load(buf, len, &res);
    if (!item || res.error.code != CBOR_ERR_NONE || res.read != len
        || !cbor_isa_map(item) || !cbor_map_is_definite(item)) {
        msg = "the attestation object is not a CBOR map";
        goto done;
    }
    pairs = cbor_map_handle(item);
    for (i = 0; i < cbor_map_size(item); i++) {
        const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
        const cbor_item_t **slot = NULL;

        if (text_is(k, "fmt")) {
            slot = &fmt;
        }
        else if (text_is(k, "attStmt")) {
            slot = &stmt;
        }
        else if (text_is(k, "authData")) {
            slot = &ad;
        }
        if (slot && *slot) {
            msg = "the attestation object repeats a member";
            goto done;
        }
        if (slot) {
            *slot = v;
        }
    }
    if (!fmt || !cbor_isa_string(fmt) || !cbor_string_is_definite(fmt)
        || cbor_string_length(fmt) == 0 || cbor_string_length(fmt) > 32
        || memchr(cbor_string_handle(fmt), 0, cbor_string_length(fmt))) {
        msg = "the attestation object has no fmt";
        goto done;
    }
    if (!stmt || !cbor_isa_map(stmt) || !cbor_map_is_definite(stmt)) {
        msg = "the attestation object has no attStmt map";
        goto done;
    }
    if (!ad || !cbor_isa_bytestring(ad) || !cbor_bytestring_is_definite(ad)
        || cbor_bytestring_length(ad) == 0) {
        msg = "the attestation object has no authData";
        goto done;
    }
    att->fmt = apr_pstrmemdup(p, (const char *)cbor_string_handle(fmt),
                              cbor_string_length(fmt));
    att->auth_data_len = cbor_bytestring_length(ad);
    att->auth_data = apr_pmemdup(p, cbor_bytestring_handle(ad),
                                 att->auth_data_len);
    att->att_empty = cbor_map_size(stmt) == 0;
    if (!strcmp(att->fmt, "packed")) {
        msg = packed_stmt(p, stmt, att);
    }
done:
    if (item) {
        cbor_decref(&item);
    }
    if (msg) {
        memset(att, 0, sizeof(*att));
        pt_err_set(err, p, NULL, 0, "%s", msg);
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}
