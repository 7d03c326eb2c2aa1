/*
 * pt_webauthn.h -- passkeys: the relying party's checks of WebAuthn
 * Level 2 registration (navigator.credentials.create) and authentication
 * (navigator.credentials.get) responses.
 *
 * clientDataJSON is parsed with jansson, the attestation object and
 * authenticator data with a strict reader plus libcbor (pt_cose.h), and
 * signatures are verified by libfido2.  The glue's part, in order:
 *
 * Options (JSON for the page's script, built by the glue):
 *   - rp.id and the origin from PortalBaseURL: pt_webauthn_rp_from_url();
 *   - a challenge: pt_webauthn_challenge_new(), PT_WA_CHALLENGE_BYTES
 *     random bytes; store it server-side (or its SHA-256) with the
 *     ceremony (registration for account X / sign-in), an expiry of a few
 *     minutes, and spend it (delete the row) on first use, whatever the
 *     outcome: a challenge is single-use;
 *   - user.id (registration): the account's WebAuthn user handle, a
 *     random 32-byte value made once per account (pt_token_new() will
 *     do), never the username or email; pubKeyCredParams ES256 (-7),
 *     EdDSA (-8), RS256 (-257); attestation "none";
 *     excludeCredentials / allowCredentials from the stored ids.
 * Response (the page posts base64url strings; pt_b64url_decode() them):
 *   - find the stored challenge: pt_webauthn_client_data_parse() gives
 *     the challenge the browser signed; look it up, spend it, then call
 *     pt_webauthn_register() or pt_webauthn_assert() with it as expected;
 *   - registration: store for the account (credential ids are unique
 *     across all accounts: refuse one already stored) the id, the COSE
 *     public key bytes, alg, sign_count, the transports the browser
 *     reported (pt_webauthn_transports()), aaguid, flags, a name, created
 *     and last-used times;
 *   - sign-in: find the credential by the id the browser sent (rawId); for
 *     a discoverable-credential sign-in (no username typed) check that
 *     the response's userHandle equals that account's user handle; call
 *     pt_webauthn_assert() with the stored key and counter; on success
 *     store the new counter and last-used time (compare-and-set on the
 *     old counter so two concurrent uses cannot both pass); on
 *     PT_WEBAUTHN_ECOUNTER refuse, log it, and tell the account's owner
 *     (a possibly cloned authenticator).
 *
 * Errors: APR_EINVAL + err for malformed input (not JSON, not CBOR,
 * truncated, wrong sizes), APR_EGENERAL + err when a check fails.  The
 * err->what messages are short and fixed ("wrong origin", "wrong
 * challenge", "bad signature", ...): fit for a log line; they quote
 * nothing from the input (log the origin the browser sent yourself, from
 * pt_webauthn_client_data_parse(), escaped, if you want it).
 * Thread-safe; all memory from the caller's pool (libcbor, libfido2 and
 * jansson objects are freed before each function returns).
 */
#ifndef PT_WEBAUTHN_H
#define PT_WEBAUTHN_H

#include <apr_pools.h>
#include <apr_errno.h>

#include <jansson.h>

#include "pt_core.h"
#include "pt_cose.h"

#define PT_WA_CHALLENGE_BYTES 32
#define PT_WA_MIN_CHALLENGE 16          /* shortest challenge accepted */
#define PT_WA_MAX_CLIENT_DATA 8192      /* bytes of clientDataJSON */
#define PT_WA_MAX_ATTESTATION 16384     /* bytes of attestationObject */
#define PT_WA_MAX_AUTH_DATA 4096        /* bytes of authenticatorData */
#define PT_WA_MAX_SIGNATURE 1024
#define PT_WA_MAX_CRED_ID 1023          /* WebAuthn's limit */

/* authenticator data flags */
#define PT_WA_FLAG_UP 0x01              /* user present */
#define PT_WA_FLAG_UV 0x04              /* user verified */
#define PT_WA_FLAG_BE 0x08              /* backup eligible (synced) */
#define PT_WA_FLAG_BS 0x10              /* backed up */
#define PT_WA_FLAG_AT 0x40              /* attested credential data */
#define PT_WA_FLAG_ED 0x80              /* extension data */

/* A counter that did not go up: a possibly cloned authenticator. */
#define PT_WEBAUTHN_ECOUNTER (APR_OS_START_USERERR + 1302)

/* ------------------------------------------------------------ helpers */

/*
 * The relying party of the portal at base_url (PortalBaseURL, e.g.
 * "https://portal.example.org/" or "http://localhost:8529/portal"):
 * *rp_id is its host name (lower case), *origin "scheme://host[:port]"
 * (the port only when not the scheme's default) -- exactly what browsers
 * put in clientDataJSON.origin.  APR_EINVAL + err when base_url is not an
 * http(s) URL with a host, when the host is an IP address (browsers
 * refuse an IP address as relying-party id: passkeys need a host name),
 * or when it is http:// with a host other than localhost (WebAuthn needs
 * a secure context).
 */
apr_status_t pt_webauthn_rp_from_url(apr_pool_t *p, const char *base_url,
                                     const char **rp_id, const char **origin,
                                     pt_err_t *err);

/* A new challenge: PT_WA_CHALLENGE_BYTES bytes from the CSPRNG in *raw,
 * and as base64url (what the page gets) in *b64.  APR_EGENERAL when the
 * CSPRNG fails. */
apr_status_t pt_webauthn_challenge_new(apr_pool_t *p, unsigned char **raw,
                                       const char **b64);

/*
 * The transports the browser reported (response.getTransports(), a JSON
 * array) as a comma-separated list to store, e.g. "hybrid,internal":
 * known values only ("ble", "hybrid", "internal", "nfc", "smart-card",
 * "usb"), each once, sorted.  NULL or an empty array gives "".
 * APR_EINVAL + err for anything else (not an array of strings, an unknown
 * value, more than 8 entries).
 */
apr_status_t pt_webauthn_transports(apr_pool_t *p, const json_t *arr,
                                    const char **csv, pt_err_t *err);

/* ------------------------------------------------------------ parsers */

typedef struct pt_wa_client_data_t {
    const char *type;               /* "webauthn.create" / "webauthn.get" */
    const char *challenge;          /* as in the JSON: base64url */
    const unsigned char *challenge_raw;
    apr_size_t challenge_len;
    const char *origin;
    int cross_origin;               /* crossOrigin: true */
    const char *token_binding;      /* tokenBinding.status, or NULL */
} pt_wa_client_data_t;

/*
 * Parse clientDataJSON (len bytes, UTF-8 JSON object, at most
 * PT_WA_MAX_CLIENT_DATA): type, challenge and origin must be strings,
 * the challenge valid base64url of PT_WA_MIN_CHALLENGE to 64 bytes,
 * crossOrigin a boolean if present, tokenBinding an object with a string
 * status if present.  Unknown members are ignored (browsers add some).
 * Strings live in p.  APR_EINVAL + err otherwise.  Checks nothing
 * against expected values: that is pt_webauthn_register/assert's job.
 */
apr_status_t pt_webauthn_client_data_parse(apr_pool_t *p,
                                           const unsigned char *json,
                                           apr_size_t len,
                                           pt_wa_client_data_t *cd,
                                           pt_err_t *err);

typedef struct pt_wa_auth_data_t {
    unsigned char rp_id_hash[32];
    unsigned int flags;             /* PT_WA_FLAG_* */
    apr_uint32_t sign_count;
    /* attested credential data (flag AT), else zero/NULL: */
    unsigned char aaguid[16];
    const unsigned char *cred_id;   /* points into the input */
    apr_size_t cred_id_len;
    const unsigned char *cose_key;  /* points into the input */
    apr_size_t cose_key_len;
    /* extensions (flag ED), else NULL: */
    const unsigned char *extensions;
    apr_size_t extensions_len;
} pt_wa_auth_data_t;

/*
 * Parse authenticator data (len bytes, at most PT_WA_MAX_AUTH_DATA):
 * 32-byte rpIdHash, flags, 32-bit big-endian signCount, then with AT the
 * AAGUID, a credential id of 1 to PT_WA_MAX_CRED_ID bytes and one COSE
 * key (a well-formed CBOR item), then with ED one CBOR map; nothing may
 * follow.  The COSE key is not interpreted here.  APR_EINVAL + err on any
 * deviation (truncated, trailing bytes, AT/ED flags that do not match the
 * contents).
 */
apr_status_t pt_webauthn_auth_data_parse(apr_pool_t *p,
                                         const unsigned char *buf,
                                         apr_size_t len,
                                         pt_wa_auth_data_t *ad,
                                         pt_err_t *err);

typedef struct pt_wa_attestation_t {
    const char *fmt;                /* "none", "packed", ... */
    const unsigned char *auth_data; /* copied into p */
    apr_size_t auth_data_len;
    int att_alg;                    /* packed: attStmt.alg */
    const unsigned char *att_sig;   /* packed: attStmt.sig (in p) */
    apr_size_t att_sig_len;
    int att_x5c;                    /* attStmt has x5c */
    int att_empty;                  /* attStmt is an empty map */
} pt_wa_attestation_t;

/*
 * Parse an attestation object (len bytes, at most PT_WA_MAX_ATTESTATION):
 * one CBOR map with a text "fmt", a map "attStmt" and a byte string
 * "authData", each once, and nothing after it.  For "packed" the
 * statement's alg (integer) and sig (byte string) are read, and whether
 * it has an x5c.  APR_EINVAL + err otherwise.
 */
apr_status_t pt_webauthn_attestation_parse(apr_pool_t *p,
                                           const unsigned char *buf,
                                           apr_size_t len,
                                           pt_wa_attestation_t *att,
                                           pt_err_t *err);

/* ------------------------------------------------------------ ceremonies */

typedef struct pt_webauthn_expect_t {
    const char *rp_id;              /* from pt_webauthn_rp_from_url() */
    const char *origin;             /* from pt_webauthn_rp_from_url() */
    const unsigned char *challenge; /* the stored challenge, raw */
    apr_size_t challenge_len;
    int require_uv;                 /* 1: the UV flag must be set (sign-in
                                     * without a password); 0: UP is
                                     * enough (second factor) */
} pt_webauthn_expect_t;

typedef struct pt_webauthn_cred_t {
    const unsigned char *id;        /* credential id (store, unique) */
    apr_size_t id_len;
    const char *id_b64;             /* the same in base64url */
    const unsigned char *public_key;    /* COSE_Key bytes (store) */
    apr_size_t public_key_len;
    int alg;                        /* PT_COSE_* (store) */
    apr_uint32_t sign_count;        /* initial counter (store) */
    const char *aaguid;             /* authenticator model, UUID text */
    unsigned int flags;             /* PT_WA_FLAG_* */
    const char *fmt;                /* "none" or "packed" */
} pt_webauthn_cred_t;

/*
 * Verify a registration response (WebAuthn Level 2, 7.1): clientDataJSON
 * type "webauthn.create", the expected challenge (constant-time) and
 * origin, crossOrigin not true, tokenBinding not "present" (the portal
 * does not use token binding); the attestation object's rpIdHash equal to
 * SHA-256(rp_id); UP set; UV set when x->require_uv; BS only with BE; AT
 * set with a credential id and a valid ES256/EdDSA/RS256 key; fmt "none"
 * with an empty statement, or "packed" self attestation (no x5c; alg
 * equal to the key's, signature verified with the new key).  Other
 * formats, and packed with a certificate, are refused: ask for
 * attestation "none".
 * On APR_SUCCESS cred is filled (pointers into p).  Errors: APR_EINVAL /
 * APR_EGENERAL + err as above, e.g. "wrong type", "wrong challenge",
 * "wrong origin", "wrong relying party", "user presence missing", "user
 * verification missing", "unsupported attestation format".
 */
apr_status_t pt_webauthn_register(apr_pool_t *p,
                                  const pt_webauthn_expect_t *x,
                                  const unsigned char *client_data,
                                  apr_size_t client_data_len,
                                  const unsigned char *attestation,
                                  apr_size_t attestation_len,
                                  pt_webauthn_cred_t *cred, pt_err_t *err);

typedef struct pt_webauthn_result_t {
    apr_uint32_t sign_count;        /* the authenticator's counter now */
    unsigned int flags;             /* PT_WA_FLAG_* of this assertion */
} pt_webauthn_result_t;

/*
 * Verify an authentication response (WebAuthn Level 2, 7.2) against the
 * stored COSE public key and counter: clientDataJSON type "webauthn.get",
 * challenge, origin, crossOrigin, tokenBinding as for registration;
 * authenticatorData without AT, rpIdHash = SHA-256(rp_id), UP set, UV when
 * x->require_uv, BS only with BE; the signature over authenticatorData ||
 * SHA-256(clientDataJSON) verified by libfido2; then the counter rule:
 * when the new counter or the stored one is non-zero, the new one must be
 * greater than the stored one (both zero: an authenticator without a
 * counter, fine).  res (may be NULL) is filled whenever the signature
 * verified, so a refused counter can be logged.
 * Errors: APR_EINVAL / APR_EGENERAL + err as above, "bad signature";
 * PT_WEBAUTHN_ECOUNTER + err "signature counter did not increase
 * (possible cloned authenticator)" -- only ever after a valid signature,
 * so nobody without the key can raise it.
 */
apr_status_t pt_webauthn_assert(apr_pool_t *p, const pt_webauthn_expect_t *x,
                                const unsigned char *public_key,
                                apr_size_t public_key_len,
                                apr_uint32_t stored_count,
                                const unsigned char *client_data,
                                apr_size_t client_data_len,
                                const unsigned char *auth_data,
                                apr_size_t auth_data_len,
                                const unsigned char *sig, apr_size_t sig_len,
                                pt_webauthn_result_t *res, pt_err_t *err);

#endif /* PT_WEBAUTHN_H */
