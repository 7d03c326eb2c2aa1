/*
 * pt_vault.c -- the encrypted file pipeline (see pt_vault.h): SHA-256,
 * SHA-1 and type detection over the plaintext, AES-256-GCM segments
 * (pt_filecrypt) into the store (pt_store).
 */
#include <apr_strings.h>
#include <openssl/evp.h>

#include "pt_vault.h"
#include "pt_crypto.h"
#include "pt_filecrypt.h"
#include "pt_sniff.h"

struct pt_vault_put_t {
    apr_pool_t *p;
    pt_store_writer_t *w;
    pt_fc_enc_t *enc;
    EVP_MD_CTX *sha256;
    EVP_MD_CTX *sha1;
    pt_sniff_t *sniff;
    apr_off_t size;
    apr_off_t max_size;
    pt_err_t *err;              /* where the sink reports store errors */
    pt_err_t sink_err;
};

static apr_status_t md_cleanup(void *data)
{
    EVP_MD_CTX_free(data);
    return APR_SUCCESS;
}

static EVP_MD_CTX *md_new(apr_pool_t *p, const EVP_MD *md)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (!ctx) {
        return NULL;
    }
    apr_pool_cleanup_register(p, ctx, md_cleanup, apr_pool_cleanup_null);
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        return NULL;
    }
    return ctx;
}

/* Ciphertext from the encryptor goes to the store. */
static apr_status_t put_sink(void *baton, const char *data, apr_size_t len)
{
    pt_vault_put_t *put = baton;

    return pt_store_write(put->w, data, len, &put->sink_err);
}

apr_status_t pt_vault_put_begin(apr_pool_t *p, pt_store_t *st,
                                const char *key,
                                const unsigned char *data_key,
                                apr_off_t max_size, pt_vault_put_t **putp,
                                pt_err_t *err)
{
    pt_vault_put_t *put = apr_pcalloc(p, sizeof(*put));
    apr_status_t rv;

    put->p = p;
    put->max_size = max_size;
    put->sha256 = md_new(p, EVP_sha256());
    put->sha1 = md_new(p, EVP_sha1());
    if (!put->sha256 || !put->sha1) {
        return pt_err_set(err, p, NULL, 0, "cannot start the digests");
    }
    put->sniff = pt_sniff_create(p);
    rv = pt_store_write_open(st, p, key, &put->w, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = pt_fc_enc_create(p, data_key, put_sink, put, &put->enc, err);
    if (rv != APR_SUCCESS) {
        pt_store_write_abort(put->w);
        return rv;
    }
    *putp = put;
    return APR_SUCCESS;
}

/* A store error reported through the sink wins over the encryptor's
 * generic one. */
static apr_status_t sink_status(pt_vault_put_t *put, apr_status_t rv,
                                pt_err_t *err)
{
    if (rv != APR_SUCCESS && put->sink_err.what && err) {
        *err = put->sink_err;
    }
    return rv;
}

apr_status_t pt_vault_put_write(pt_vault_put_t *put, const char *data,
                                apr_size_t len, pt_err_t *err)
{
    if (len == 0) {
        return APR_SUCCESS;
    }
    put->size += (apr_off_t)len;
    if (put->max_size >= 0 && put->size > put->max_size) {
        pt_err_set(err, put->p, NULL, 0, "the file is larger than the "
                   "limit of %" APR_OFF_T_FMT " bytes", put->max_size);
        return APR_ENOSPC;
    }
    if (EVP_DigestUpdate(put->sha256, data, len) != 1
        || EVP_DigestUpdate(put->sha1, data, len) != 1) {
        return pt_err_set(err, put->p, NULL, 0, "digest failed");
    }
    pt_sniff_feed(put->sniff, data, len);
    return sink_status(put, pt_fc_enc_write(put->enc, data, len, err), err);
}

apr_status_t pt_vault_put_finish(pt_vault_put_t *put, const char *ext,
                                 pt_vault_info_t *info, pt_err_t *err)
{
    unsigned char sha1[20];
    unsigned int n;
    apr_status_t rv;

    rv = sink_status(put, pt_fc_enc_finish(put->enc, err), err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (EVP_DigestFinal_ex(put->sha256, info->sha256, &n) != 1
        || EVP_DigestFinal_ex(put->sha1, sha1, &n) != 1) {
        return pt_err_set(err, put->p, NULL, 0, "digest failed");
    }
    info->size = put->size;
    info->sha256_hex = pt_hex_encode(put->p, info->sha256, 32);
    info->sha1_hex = pt_hex_encode(put->p, sha1, 20);
    info->type = pt_sniff_type(put->sniff);
    info->type_matches = pt_sniff_matches(put->sniff, ext ? ext : "");
    return APR_SUCCESS;
}

apr_status_t pt_vault_put_commit(pt_vault_put_t *put, pt_err_t *err)
{
    return pt_store_write_commit(put->w, err);
}

void pt_vault_put_abort(pt_vault_put_t *put)
{
    if (put) {
        pt_store_write_abort(put->w);
    }
}

typedef struct get_t {
    pt_fc_dec_t *dec;
    pt_err_t err;
} get_t;

static apr_status_t get_sink(void *baton, const char *data, apr_size_t len)
{
    get_t *g = baton;

    return pt_fc_dec_write(g->dec, data, len, &g->err);
}

apr_status_t pt_vault_get(apr_pool_t *p, pt_store_t *st, const char *key,
                          const unsigned char *data_key,
                          apr_off_t plain_size, apr_off_t offset,
                          apr_off_t length, pt_store_sink_fn sink,
                          void *baton, pt_err_t *err)
{
    get_t g;
    apr_off_t ct_off, ct_len;
    apr_status_t rv;

    memset(&g, 0, sizeof(g));
    rv = pt_fc_dec_create(p, data_key, plain_size, offset, length,
                          (pt_fc_sink_fn)sink, baton, &g.dec, &ct_off,
                          &ct_len, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (ct_len == 0) {
        return pt_fc_dec_finish(g.dec, err);    /* an empty range */
    }
    rv = pt_store_read(st, p, key, ct_off, ct_len, get_sink, &g, err);
    if (rv != APR_SUCCESS) {
        if (g.err.what && err) {
            *err = g.err;
        }
        return rv;
    }
    return pt_fc_dec_finish(g.dec, err);
}
