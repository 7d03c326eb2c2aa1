/*
 * pt_filecrypt.h -- encryption at rest of stored files: streaming AEAD in
 * fixed segments (AES-256-GCM), random access for HTTP Range, and data
 * keys wrapped by a rotating master key.
 *
 * Every file has its own random 32-byte data key, used for that file only.
 * The stored form is
 *
 *     header || segment_0 || ... || segment_{n-1}
 *
 * header (8 bytes)   "PTE1" then the plaintext segment size, 32-bit
 *                    big-endian (PT_FC_SEGMENT unless the _ex functions
 *                    chose another).
 * segment i          AES-256-GCM(data key, nonce_i, aad = header,
 *                    plaintext_i) || 16-byte tag, where nonce_i (12 bytes)
 *                    = 7 zero bytes || i (32-bit big-endian) || last flag
 *                    (1 on segment n-1, else 0).
 *
 * Every segment but the last holds exactly one segment of plaintext; the
 * last holds 0..segment bytes, and there is always at least one segment,
 * so an empty file is 8 + 16 bytes.  The ciphertext size is therefore a
 * function of the plaintext size (pt_fc_ciphertext_size()).  The index in
 * the nonce stops segments from being reordered, the last flag stops
 * truncation at a segment boundary, and the header as AAD ties every
 * segment to the segment size.  Nonces never repeat because a data key
 * encrypts exactly one file.
 *
 * A data key is stored wrapped by a master key identified by a key id
 * ("kid", 1-32 characters of [A-Za-z0-9_-]), so master keys can rotate:
 * "kid:" + base64url(nonce (12) || encrypted key (32) || tag (16)),
 * AES-256-GCM with a random nonce and aad = "pt-file-key\0" kid "\0"
 * context, where the context is the file's UUID.
 *
 * Thread safety: no global state; an encryptor or decryptor belongs to one
 * thread at a time.  Each stream keeps one EVP_CIPHER_CTX (freed, and its
 * buffers wiped, by a cleanup of the pool it was created in), and its
 * memory is bounded by two segments whatever the file size.
 */
#ifndef PT_FILECRYPT_H
#define PT_FILECRYPT_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_FC_KEY_BYTES 32
#define PT_FC_SEGMENT 65536           /* default plaintext bytes a segment */
#define PT_FC_HEADER_BYTES 8
#define PT_FC_TAG_BYTES 16
#define PT_FC_SEGMENT_MIN 16          /* limits of the _ex segment size */
#define PT_FC_SEGMENT_MAX (16 * 1024 * 1024)
#define PT_FC_KID_MAX 32              /* longest key id */

/* Receives output (never 0 bytes); anything but APR_SUCCESS stops the
 * stream, which then returns that status (and stays failed). */
typedef apr_status_t (*pt_fc_sink_fn)(void *baton, const char *data,
                                      apr_size_t len);

typedef struct pt_fc_enc_t pt_fc_enc_t;
typedef struct pt_fc_dec_t pt_fc_dec_t;

/* The size of the ciphertext of a plain_size-byte file:
 * 8 + plain_size + 16 * max(1, ceil(plain_size / PT_FC_SEGMENT)).
 * -1 when plain_size is negative or needs more than 2^32 segments. */
apr_off_t pt_fc_ciphertext_size(apr_off_t plain_size);
/* The same for a segment size in [PT_FC_SEGMENT_MIN, PT_FC_SEGMENT_MAX]
 * (-1 for any other). */
apr_off_t pt_fc_ciphertext_size_ex(apr_off_t plain_size, apr_size_t segment);

/*
 * Start encrypting a file with the PT_FC_KEY_BYTES-byte data key (copied
 * into the cipher context; the caller may wipe its copy).  The ciphertext
 * goes to sink in whole segments; the first call also carries the header.
 * Nothing is emitted before pt_fc_enc_write() has more than one segment,
 * or before pt_fc_enc_finish().  The encryptor lives in p.
 */
apr_status_t pt_fc_enc_create(apr_pool_t *p, const unsigned char *key,
                              pt_fc_sink_fn sink, void *baton,
                              pt_fc_enc_t **enc, pt_err_t *err);
/* The same with another segment size (APR_EINVAL outside
 * [PT_FC_SEGMENT_MIN, PT_FC_SEGMENT_MAX]). */
apr_status_t pt_fc_enc_create_ex(apr_pool_t *p, const unsigned char *key,
                                 apr_size_t segment, pt_fc_sink_fn sink,
                                 void *baton, pt_fc_enc_t **enc,
                                 pt_err_t *err);

/* Encrypt len more bytes of plaintext.  A full segment is kept back until
 * more data comes (only pt_fc_enc_finish() knows which one is last).
 * Errors (the sink's status, EVP failure, a file of more than 2^32
 * segments, use after finish or failure) leave the encryptor failed: the
 * output so far must be thrown away. */
apr_status_t pt_fc_enc_write(pt_fc_enc_t *enc, const char *data,
                             apr_size_t len, pt_err_t *err);

/* Emit the final segment (possibly empty); the ciphertext is complete when
 * this returns APR_SUCCESS.  Calling it twice is APR_EINVAL. */
apr_status_t pt_fc_enc_finish(pt_fc_enc_t *enc, pt_err_t *err);

/*
 * Start decrypting plaintext bytes [offset, offset+length) of a file of
 * plain_size bytes (length -1: to the end of the file).  *ct_offset and
 * *ct_length say which ciphertext bytes (whole segments, and the header
 * when the range starts in segment 0) the caller must feed to
 * pt_fc_dec_write(), in order; the decryptor sends exactly the requested
 * plaintext to sink, each segment only after its tag has been verified.
 *
 * offset must be in [0, plain_size] and length -1 or in
 * [0, plain_size - offset]; anything else is APR_EINVAL.  A range of no
 * bytes needs no ciphertext (*ct_length 0), except the whole-file request
 * offset 0, length -1, which always covers the whole ciphertext, so that
 * reading an empty file still authenticates it.  The decryptor lives in p.
 */
apr_status_t pt_fc_dec_create(apr_pool_t *p, const unsigned char *key,
                              apr_off_t plain_size, apr_off_t offset,
                              apr_off_t length, pt_fc_sink_fn sink,
                              void *baton, pt_fc_dec_t **dec,
                              apr_off_t *ct_offset, apr_off_t *ct_length,
                              pt_err_t *err);
/* The same for a file written with another segment size. */
apr_status_t pt_fc_dec_create_ex(apr_pool_t *p, const unsigned char *key,
                                 apr_size_t segment, apr_off_t plain_size,
                                 apr_off_t offset, apr_off_t length,
                                 pt_fc_sink_fn sink, void *baton,
                                 pt_fc_dec_t **dec, apr_off_t *ct_offset,
                                 apr_off_t *ct_length, pt_err_t *err);

/* Feed the next len ciphertext bytes (any chunking).  APR_EGENERAL + err
 * when the header is not this format, a segment fails authentication
 * (wrong key, modified, reordered, truncated or wrong plain_size), or the
 * bytes would go beyond *ct_length (checked before any of them is used).
 * No plaintext of a failing segment is ever emitted.  The sink's status
 * is returned as is.  After any error the decryptor stays failed. */
apr_status_t pt_fc_dec_write(pt_fc_dec_t *dec, const char *data,
                             apr_size_t len, pt_err_t *err);

/* APR_SUCCESS when all *ct_length bytes came and verified; APR_EGENERAL +
 * err when fewer came (the file is truncated) or the stream failed. */
apr_status_t pt_fc_dec_finish(pt_fc_dec_t *dec, pt_err_t *err);

/* 1 when kid is a valid key id: 1-32 characters of [A-Za-z0-9_-]. */
int pt_fc_kid_valid(const char *kid);

/* Wrap the PT_FC_KEY_BYTES-byte data_key with the 32-byte master key
 * named kid, bound to context (the file's UUID; NULL counts as "").
 * NULL only if the CSPRNG or EVP fails, or kid is not a valid key id. */
const char *pt_fc_wrap(apr_pool_t *p, const char *kid,
                       const unsigned char *master,
                       const unsigned char *data_key, const char *context);

/* The kid of a wrapped key (to pick the master key), or NULL when
 * malformed. */
const char *pt_fc_wrapped_kid(apr_pool_t *p, const char *wrapped);

/* Unwrap into data_key (PT_FC_KEY_BYTES bytes, written only on success).
 * APR_EINVAL + err when wrapped is malformed, APR_EGENERAL + err when it
 * does not open with master for this context (wrong master key, wrong
 * kid, wrong file, or modified). */
apr_status_t pt_fc_unwrap(apr_pool_t *p, const char *wrapped,
                          const unsigned char *master, const char *context,
                          unsigned char *data_key, pt_err_t *err);

#endif /* PT_FILECRYPT_H */
