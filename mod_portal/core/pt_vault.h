/*
 * pt_vault.h -- the encrypted file pipeline: bytes in, hashed, sniffed,
 * encrypted and streamed to the store; and back out again, decrypted,
 * for any byte range.
 *
 * An upload is pt_vault_put_begin(), any number of pt_vault_put_write(),
 * pt_vault_put_finish() (which ends the encryption and reports size,
 * SHA-256, SHA-1 and the detected type while the object is still
 * invisible), then pt_vault_put_commit() or pt_vault_put_abort().  Memory
 * per upload is a few segment buffers, whatever the size of the file.
 */
#ifndef PT_VAULT_H
#define PT_VAULT_H

#include "pt_core.h"
#include "pt_store.h"

typedef struct pt_vault_put_t pt_vault_put_t;

typedef struct pt_vault_info_t {
    apr_off_t size;
    unsigned char sha256[32];
    const char *sha256_hex;
    const char *sha1_hex;
    const char *type;           /* detected media type */
    int type_matches;           /* content plausible for the extension */
} pt_vault_info_t;

/* Start object key in st, encrypted under data_key (PT_FC_KEY_BYTES).
 * Everything lives in p; clearing p aborts an uncommitted object. */
apr_status_t pt_vault_put_begin(apr_pool_t *p, pt_store_t *st,
                                const char *key,
                                const unsigned char *data_key,
                                apr_off_t max_size, pt_vault_put_t **put,
                                pt_err_t *err);

/* More plaintext.  APR_ENOSPC (err filled) once the file grows past
 * max_size; store errors as the store returns them. */
apr_status_t pt_vault_put_write(pt_vault_put_t *put, const char *data,
                                apr_size_t len, pt_err_t *err);

/* The end of the plaintext: flushes the last segment and fills info
 * (ext: the name's extension, lower case, for type_matches). */
apr_status_t pt_vault_put_finish(pt_vault_put_t *put, const char *ext,
                                 pt_vault_info_t *info, pt_err_t *err);

/* Make the object durable and visible under its key. */
apr_status_t pt_vault_put_commit(pt_vault_put_t *put, pt_err_t *err);

/* Throw the object away (safe to call at any point, and twice). */
void pt_vault_put_abort(pt_vault_put_t *put);

/* Stream plaintext bytes [offset, offset + length) (length -1: to the
 * end) of the object key, size plain_size, to sink.  Every byte is
 * authenticated before the sink sees it; a tampered or truncated object
 * is APR_EGENERAL with err saying so.  APR_ENOENT: no such object. */
apr_status_t pt_vault_get(apr_pool_t *p, pt_store_t *st, const char *key,
                          const unsigned char *data_key,
                          apr_off_t plain_size, apr_off_t offset,
                          apr_off_t length, pt_store_sink_fn sink,
                          void *baton, pt_err_t *err);

#endif /* PT_VAULT_H */
