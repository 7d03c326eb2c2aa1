/*
 * pt_filecrypt.c -- segmented AES-256-GCM encryption of stored files and
 * wrapping of their data keys (see pt_filecrypt.h for the format and the
 * contracts).
 *
 * Both stream directions keep one EVP_CIPHER_CTX initialised with the data
 * key once; each segment only sets a new nonce.  Whole segments are
 * processed straight from the caller's buffer when one is available, and
 * copied into the stream's segment buffer otherwise, so the work per byte
 * is AES-GCM and at most one memcpy.
 *
 * Longer than the ~600 lines of the norm: the segmented format is one
 * state machine in both directions, with the key wrapping it is bound to.
 */
#include <limits.h>
#include <string.h>

#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pt_crypto.h"
#include "pt_filecrypt.h"

#define FC_MAGIC "PTE1"
#define FC_NONCE_BYTES 12
/* Segment indexes are 32-bit. */
#define FC_MAX_SEGMENTS ((apr_uint64_t)1 << 32)
/* "pt-file-key" and its NUL start the AAD of a wrapped key. */
#define WRAP_LABEL "pt-file-key"
#define WRAP_LABEL_BYTES 12
#define WRAP_BLOB_BYTES (FC_NONCE_BYTES + PT_FC_KEY_BYTES + PT_FC_TAG_BYTES)

enum fc_state { FC_OPEN, FC_DONE, FC_FAILED };

struct pt_fc_enc_t {
    apr_pool_t *pool;
    EVP_CIPHER_CTX *ctx;
    pt_fc_sink_fn sink;
    void *baton;
    apr_size_t seg;
    unsigned char header[PT_FC_HEADER_BYTES];
    unsigned char *plain;       /* seg bytes: the segment held back */
    apr_size_t fill;            /* bytes of plain in use */
    unsigned char *out;         /* header + seg + tag: one output chunk */
    apr_uint64_t index;         /* index of the next segment to seal */
    enum fc_state state;
    apr_status_t fail_rv;       /* when FC_FAILED: what to return ... */
    const char *fail_msg;       /* ... and say */
};

struct pt_fc_dec_t {
    apr_pool_t *pool;
    EVP_CIPHER_CTX *ctx;        /* NULL when no ciphertext is needed */
    pt_fc_sink_fn sink;
    void *baton;
    apr_size_t seg;
    apr_off_t plain_size;
    apr_uint64_t nseg;          /* segments in the whole file */
    unsigned char header[PT_FC_HEADER_BYTES];  /* the expected header */
    unsigned char got_header[PT_FC_HEADER_BYTES];
    apr_size_t header_fill;
    int need_header;            /* the range starts with the header */
    apr_uint64_t index;         /* the segment being received */
    apr_off_t from, to;         /* plaintext wanted: [from, to) */
    unsigned char *buf;         /* seg + tag: a segment being received or
                                 * the plaintext of a verified one */
    apr_size_t fill;            /* ciphertext bytes of buf in use */
    apr_off_t ct_length;        /* ciphertext bytes expected ... */
    apr_off_t received;         /* ... and received so far */
    enum fc_state state;
    apr_status_t fail_rv;
    const char *fail_msg;
};

static void put_be32(unsigned char *b, apr_uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static void make_header(unsigned char *h, apr_size_t seg)
{
    memcpy(h, FC_MAGIC, 4);
    put_be32(h + 4, (apr_uint32_t)seg);
}

/* nonce_i = 7 zero bytes || i (32-bit big-endian) || last flag. */
static void make_nonce(unsigned char *n, apr_uint64_t index, int last)
{
    memset(n, 0, 7);
    put_be32(n + 7, (apr_uint32_t)index);
    n[11] = last ? 1 : 0;
}

static int segment_ok(apr_size_t seg)
{
    return seg >= PT_FC_SEGMENT_MIN && seg <= PT_FC_SEGMENT_MAX;
}

/* Segments of a plain_size-byte file (at least 1), or 0 when plain_size is
 * negative or needs more than 2^32 segments.  seg must be segment_ok(). */
static apr_uint64_t segment_count(apr_off_t plain_size, apr_size_t seg)
{
    apr_uint64_t n;

    if (plain_size < 0) {
        return 0;
    }
    n = ((apr_uint64_t)plain_size + seg - 1) / seg;
    if (n == 0) {
        n = 1;
    }
    return n > FC_MAX_SEGMENTS ? 0 : n;
}

apr_off_t pt_fc_ciphertext_size_ex(apr_off_t plain_size, apr_size_t segment)
{
    apr_uint64_t n;

    if (!segment_ok(segment)) {
        return -1;
    }
    n = segment_count(plain_size, segment);
    if (n == 0) {
        return -1;
    }
    /* plain_size <= 2^32 * 2^24, so this cannot overflow */
    return PT_FC_HEADER_BYTES + plain_size
           + (apr_off_t)(n * PT_FC_TAG_BYTES);
}

apr_off_t pt_fc_ciphertext_size(apr_off_t plain_size)
{
    return pt_fc_ciphertext_size_ex(plain_size, PT_FC_SEGMENT);
}

/* ------------------------------------------------------------ encryption */

static apr_status_t enc_cleanup(void *data)
{
    pt_fc_enc_t *enc = data;

    if (enc->plain) {
        OPENSSL_cleanse(enc->plain, enc->seg);
    }
    if (enc->ctx) {
        EVP_CIPHER_CTX_free(enc->ctx);  /* wipes the key schedule */
        enc->ctx = NULL;
    }
    return APR_SUCCESS;
}

/* Put the encryptor in the failed state: rv and msg are returned and
 * reported by this and every later call. */
static apr_status_t enc_fail(pt_fc_enc_t *enc, apr_status_t rv,
                             const char *msg, pt_err_t *err)
{
    enc->state = FC_FAILED;
    enc->fail_rv = rv;
    enc->fail_msg = msg;
    OPENSSL_cleanse(enc->plain, enc->seg);
    pt_err_set(err, enc->pool, NULL, 0, "%s", msg);
    return rv;
}

/* Why a stream that is not open refuses more work. */
static apr_status_t not_open(apr_pool_t *p, enum fc_state state,
                             apr_status_t fail_rv, const char *fail_msg,
                             pt_err_t *err)
{
    if (state == FC_FAILED) {
        pt_err_set(err, p, NULL, 0, "%s", fail_msg);
        return fail_rv;
    }
    pt_err_set(err, p, NULL, 0, "the encrypted stream is already finished");
    return APR_EINVAL;
}

/* Encrypt len bytes at in as the next segment and send it (with the
 * header, when it is the first) to the sink. */
static apr_status_t enc_seal(pt_fc_enc_t *enc, const unsigned char *in,
                             apr_size_t len, int last, pt_err_t *err)
{
    unsigned char nonce[FC_NONCE_BYTES];
    unsigned char *o = enc->out;
    apr_size_t hdr = 0;
    int n1 = 0, n2 = 0, ok;
    apr_status_t rv;

    if (!last && enc->index + 1 >= FC_MAX_SEGMENTS) {
        return enc_fail(enc, APR_EGENERAL, "file too large to encrypt "
                        "(more than 2^32 segments)", err);
    }
    if (enc->index == 0) {
        memcpy(o, enc->header, PT_FC_HEADER_BYTES);
        hdr = PT_FC_HEADER_BYTES;
    }
    make_nonce(nonce, enc->index, last);
    ok = EVP_EncryptInit_ex(enc->ctx, NULL, NULL, NULL, nonce) == 1
         && EVP_EncryptUpdate(enc->ctx, NULL, &n1, enc->header,
                              PT_FC_HEADER_BYTES) == 1;
    n1 = 0;
    if (ok && len > 0) {
        ok = EVP_EncryptUpdate(enc->ctx, o + hdr, &n1, in, (int)len) == 1;
    }
    ok = ok && EVP_EncryptFinal_ex(enc->ctx, o + hdr + n1, &n2) == 1
         && (apr_size_t)n1 + (apr_size_t)n2 == len
         && EVP_CIPHER_CTX_ctrl(enc->ctx, EVP_CTRL_GCM_GET_TAG,
                                PT_FC_TAG_BYTES, o + hdr + len) == 1;
    if (!ok) {
        return enc_fail(enc, APR_EGENERAL,
                        "AES-256-GCM encryption failed in OpenSSL", err);
    }
    enc->index++;
    rv = enc->sink(enc->baton, (const char *)o, hdr + len + PT_FC_TAG_BYTES);
    if (rv != APR_SUCCESS) {
        return enc_fail(enc, rv, "writing the encrypted data failed", err);
    }
    return APR_SUCCESS;
}

apr_status_t pt_fc_enc_create_ex(apr_pool_t *p, const unsigned char *key,
                                 apr_size_t segment, pt_fc_sink_fn sink,
                                 void *baton, pt_fc_enc_t **encp,
                                 pt_err_t *err)
{
    pt_fc_enc_t *enc;

    *encp = NULL;
    if (!segment_ok(segment)) {
        pt_err_set(err, p, NULL, 0, "segment size %" APR_SIZE_T_FMT
                   " is outside %d..%d", segment, PT_FC_SEGMENT_MIN,
                   PT_FC_SEGMENT_MAX);
        return APR_EINVAL;
    }
    enc = apr_pcalloc(p, sizeof(*enc));
    enc->pool = p;
    enc->sink = sink;
    enc->baton = baton;
    enc->seg = segment;
    make_header(enc->header, segment);
    enc->plain = apr_palloc(p, segment);
    enc->out = apr_palloc(p, PT_FC_HEADER_BYTES + segment + PT_FC_TAG_BYTES);
    enc->ctx = EVP_CIPHER_CTX_new();
    apr_pool_cleanup_register(p, enc, enc_cleanup, apr_pool_cleanup_null);
    if (!enc->ctx
        || EVP_EncryptInit_ex(enc->ctx, EVP_aes_256_gcm(), NULL, key,
                              NULL) != 1) {
        return pt_err_set(err, p, NULL, 0,
                          "cannot set up AES-256-GCM in OpenSSL");
    }
    enc->state = FC_OPEN;
    *encp = enc;
    return APR_SUCCESS;
}

apr_status_t pt_fc_enc_create(apr_pool_t *p, const unsigned char *key,
                              pt_fc_sink_fn sink, void *baton,
                              pt_fc_enc_t **enc, pt_err_t *err)
{
    return pt_fc_enc_create_ex(p, key, PT_FC_SEGMENT, sink, baton, enc, err);
}

apr_status_t pt_fc_enc_write(pt_fc_enc_t *enc, const char *data,
                             apr_size_t len, pt_err_t *err)
{
    const unsigned char *in = (const unsigned char *)data;
    apr_status_t rv;

    if (enc->state != FC_OPEN) {
        return not_open(enc->pool, enc->state, enc->fail_rv, enc->fail_msg,
                        err);
    }
    while (len > 0) {
        apr_size_t n;

        if (enc->fill == enc->seg) {
            /* more data follows, so the held-back segment is not last */
            rv = enc_seal(enc, enc->plain, enc->seg, 0, err);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            enc->fill = 0;
        }
        if (enc->fill == 0 && len > enc->seg) {
            /* a whole segment with more after it: no need to copy */
            rv = enc_seal(enc, in, enc->seg, 0, err);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            in += enc->seg;
            len -= enc->seg;
            continue;
        }
        n = enc->seg - enc->fill;
        if (n > len) {
            n = len;
        }
        memcpy(enc->plain + enc->fill, in, n);
        enc->fill += n;
        in += n;
        len -= n;
    }
    return APR_SUCCESS;
}

apr_status_t pt_fc_enc_finish(pt_fc_enc_t *enc, pt_err_t *err)
{
    apr_status_t rv;

    if (enc->state != FC_OPEN) {
        return not_open(enc->pool, enc->state, enc->fail_rv, enc->fail_msg,
                        err);
    }
    rv = enc_seal(enc, enc->plain, enc->fill, 1, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    OPENSSL_cleanse(enc->plain, enc->seg);
    enc->fill = 0;
    enc->state = FC_DONE;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ decryption */

static apr_status_t dec_cleanup(void *data)
{
    pt_fc_dec_t *dec = data;

    if (dec->buf) {
        OPENSSL_cleanse(dec->buf, dec->seg + PT_FC_TAG_BYTES);
    }
    if (dec->ctx) {
        EVP_CIPHER_CTX_free(dec->ctx);
        dec->ctx = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t dec_fail(pt_fc_dec_t *dec, apr_status_t rv,
                             const char *msg, pt_err_t *err)
{
    dec->state = FC_FAILED;
    dec->fail_rv = rv;
    dec->fail_msg = msg;
    if (dec->buf) {
        OPENSSL_cleanse(dec->buf, dec->seg + PT_FC_TAG_BYTES);
    }
    pt_err_set(err, dec->pool, NULL, 0, "%s", msg);
    return rv;
}

/* Plaintext bytes of segment i of the file. */
static apr_size_t dec_plain_len(const pt_fc_dec_t *dec, apr_uint64_t i)
{
    if (i + 1 < dec->nseg) {
        return dec->seg;
    }
    return (apr_size_t)(dec->plain_size - (apr_off_t)(i * dec->seg));
}

/* Verify and decrypt segment dec->index (ctlen bytes at in, which may be
 * dec->buf) into dec->buf, then send the part of it that was asked for.
 * Nothing is sent unless the tag verifies. */
static apr_status_t dec_open(pt_fc_dec_t *dec, const unsigned char *in,
                             apr_size_t ctlen, pt_err_t *err)
{
    unsigned char nonce[FC_NONCE_BYTES];
    unsigned char tag[PT_FC_TAG_BYTES];
    apr_size_t plen = ctlen - PT_FC_TAG_BYTES;
    apr_off_t start, lo, hi;
    int n1 = 0, n2 = 0, ok;
    apr_status_t rv;

    memcpy(tag, in + plen, PT_FC_TAG_BYTES);
    make_nonce(nonce, dec->index, dec->index + 1 == dec->nseg);
    ok = EVP_DecryptInit_ex(dec->ctx, NULL, NULL, NULL, nonce) == 1
         && EVP_DecryptUpdate(dec->ctx, NULL, &n1, dec->header,
                              PT_FC_HEADER_BYTES) == 1
         && EVP_CIPHER_CTX_ctrl(dec->ctx, EVP_CTRL_GCM_SET_TAG,
                                PT_FC_TAG_BYTES, tag) == 1;
    n1 = 0;
    if (ok && plen > 0) {
        ok = EVP_DecryptUpdate(dec->ctx, dec->buf, &n1, in, (int)plen) == 1;
    }
    if (!ok) {
        return dec_fail(dec, APR_EGENERAL,
                        "AES-256-GCM decryption failed in OpenSSL", err);
    }
    if (EVP_DecryptFinal_ex(dec->ctx, dec->buf + n1, &n2) != 1
        || (apr_size_t)n1 + (apr_size_t)n2 != plen) {
        return dec_fail(dec, APR_EGENERAL, apr_psprintf(dec->pool,
                        "segment %" APR_UINT64_T_FMT " of the encrypted "
                        "file failed authentication: wrong key or size, or "
                        "the file was modified, truncated or reordered",
                        dec->index), err);
    }
    start = (apr_off_t)(dec->index * dec->seg);
    lo = start > dec->from ? start : dec->from;
    hi = start + (apr_off_t)plen < dec->to ? start + (apr_off_t)plen
                                           : dec->to;
    dec->index++;
    if (hi > lo) {
        rv = dec->sink(dec->baton, (const char *)dec->buf + (lo - start),
                       (apr_size_t)(hi - lo));
        if (rv != APR_SUCCESS) {
            return dec_fail(dec, rv, "writing the decrypted data failed",
                            err);
        }
    }
    return APR_SUCCESS;
}

apr_status_t pt_fc_dec_create_ex(apr_pool_t *p, const unsigned char *key,
                                 apr_size_t segment, apr_off_t plain_size,
                                 apr_off_t offset, apr_off_t length,
                                 pt_fc_sink_fn sink, void *baton,
                                 pt_fc_dec_t **decp, apr_off_t *ct_offset,
                                 apr_off_t *ct_length, pt_err_t *err)
{
    pt_fc_dec_t *dec;
    apr_uint64_t nseg, first, last;
    apr_off_t stride = (apr_off_t)segment + PT_FC_TAG_BYTES, end;
    int whole = (offset == 0 && length == -1);

    *decp = NULL;
    *ct_offset = 0;
    *ct_length = 0;
    if (!segment_ok(segment)) {
        pt_err_set(err, p, NULL, 0, "segment size %" APR_SIZE_T_FMT
                   " is outside %d..%d", segment, PT_FC_SEGMENT_MIN,
                   PT_FC_SEGMENT_MAX);
        return APR_EINVAL;
    }
    nseg = segment_count(plain_size, segment);
    if (nseg == 0) {
        pt_err_set(err, p, NULL, 0, "file size %" APR_OFF_T_FMT
                   " is out of range", plain_size);
        return APR_EINVAL;
    }
    if (offset < 0 || offset > plain_size || length < -1
        || (length >= 0 && length > plain_size - offset)) {
        pt_err_set(err, p, NULL, 0, "range of %" APR_OFF_T_FMT " bytes at %"
                   APR_OFF_T_FMT " is outside the file of %" APR_OFF_T_FMT
                   " bytes", length, offset, plain_size);
        return APR_EINVAL;
    }
    if (length == -1) {
        length = plain_size - offset;
    }

    dec = apr_pcalloc(p, sizeof(*dec));
    dec->pool = p;
    dec->sink = sink;
    dec->baton = baton;
    dec->seg = segment;
    dec->plain_size = plain_size;
    dec->nseg = nseg;
    dec->from = offset;
    dec->to = offset + length;
    dec->state = FC_OPEN;
    if (length == 0 && !whole) {
        /* nothing to read, nothing to verify */
        *decp = dec;
        return APR_SUCCESS;
    }

    first = (apr_uint64_t)offset / segment;
    last = length == 0 ? 0 : (apr_uint64_t)(offset + length - 1) / segment;
    dec->index = first;
    dec->need_header = (first == 0);
    make_header(dec->header, segment);
    end = PT_FC_HEADER_BYTES + (apr_off_t)last * stride
          + (apr_off_t)dec_plain_len(dec, last) + PT_FC_TAG_BYTES;
    *ct_offset = first == 0 ? 0
                            : PT_FC_HEADER_BYTES + (apr_off_t)first * stride;
    dec->ct_length = end - *ct_offset;

    dec->buf = apr_palloc(p, segment + PT_FC_TAG_BYTES);
    dec->ctx = EVP_CIPHER_CTX_new();
    apr_pool_cleanup_register(p, dec, dec_cleanup, apr_pool_cleanup_null);
    if (!dec->ctx
        || EVP_DecryptInit_ex(dec->ctx, EVP_aes_256_gcm(), NULL, key,
                              NULL) != 1) {
        *ct_offset = 0;
        return pt_err_set(err, p, NULL, 0,
                          "cannot set up AES-256-GCM in OpenSSL");
    }
    *ct_length = dec->ct_length;
    *decp = dec;
    return APR_SUCCESS;
}

apr_status_t pt_fc_dec_create(apr_pool_t *p, const unsigned char *key,
                              apr_off_t plain_size, apr_off_t offset,
                              apr_off_t length, pt_fc_sink_fn sink,
                              void *baton, pt_fc_dec_t **dec,
                              apr_off_t *ct_offset, apr_off_t *ct_length,
                              pt_err_t *err)
{
    return pt_fc_dec_create_ex(p, key, PT_FC_SEGMENT, plain_size, offset,
                               length, sink, baton, dec, ct_offset,
                               ct_length, err);
}

/* Check the 8 header bytes received against the expected ones. */
static apr_status_t dec_check_header(pt_fc_dec_t *dec, pt_err_t *err)
{
    const unsigned char *h = dec->got_header;
    apr_uint32_t seg;

    if (memcmp(h, FC_MAGIC, 4) != 0) {
        return dec_fail(dec, APR_EGENERAL, "not an encrypted file of this "
                        "format (bad header)", err);
    }
    seg = ((apr_uint32_t)h[4] << 24) | ((apr_uint32_t)h[5] << 16)
          | ((apr_uint32_t)h[6] << 8) | h[7];
    if (seg != dec->seg) {
        return dec_fail(dec, APR_EGENERAL, apr_psprintf(dec->pool,
                        "the encrypted file has segments of %u bytes, "
                        "expected %" APR_SIZE_T_FMT, (unsigned)seg,
                        dec->seg), err);
    }
    return APR_SUCCESS;
}

apr_status_t pt_fc_dec_write(pt_fc_dec_t *dec, const char *data,
                             apr_size_t len, pt_err_t *err)
{
    const unsigned char *in = (const unsigned char *)data;
    apr_status_t rv;

    if (dec->state != FC_OPEN) {
        return not_open(dec->pool, dec->state, dec->fail_rv, dec->fail_msg,
                        err);
    }
    if ((apr_uint64_t)len > (apr_uint64_t)(dec->ct_length - dec->received)) {
        return dec_fail(dec, APR_EGENERAL, "more encrypted data than the "
                        "file's recorded size allows", err);
    }
    dec->received += (apr_off_t)len;

    if (dec->need_header && len > 0) {
        apr_size_t n = PT_FC_HEADER_BYTES - dec->header_fill;

        if (n > len) {
            n = len;
        }
        memcpy(dec->got_header + dec->header_fill, in, n);
        dec->header_fill += n;
        in += n;
        len -= n;
        if (dec->header_fill == PT_FC_HEADER_BYTES) {
            dec->need_header = 0;
            rv = dec_check_header(dec, err);
            if (rv != APR_SUCCESS) {
                return rv;
            }
        }
    }

    while (len > 0) {
        apr_size_t ctlen = dec_plain_len(dec, dec->index) + PT_FC_TAG_BYTES;

        if (dec->fill == 0 && len >= ctlen) {
            /* a whole segment in the caller's buffer: no need to copy */
            rv = dec_open(dec, in, ctlen, err);
            in += ctlen;
            len -= ctlen;
        }
        else {
            apr_size_t n = ctlen - dec->fill;

            if (n > len) {
                n = len;
            }
            memcpy(dec->buf + dec->fill, in, n);
            dec->fill += n;
            in += n;
            len -= n;
            rv = APR_SUCCESS;
            if (dec->fill == ctlen) {
                dec->fill = 0;
                rv = dec_open(dec, dec->buf, ctlen, err);
            }
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

apr_status_t pt_fc_dec_finish(pt_fc_dec_t *dec, pt_err_t *err)
{
    if (dec->state != FC_OPEN) {
        return not_open(dec->pool, dec->state, dec->fail_rv, dec->fail_msg,
                        err);
    }
    if (dec->received < dec->ct_length) {
        return dec_fail(dec, APR_EGENERAL, apr_psprintf(dec->pool,
                        "the encrypted file is truncated: %" APR_OFF_T_FMT
                        " of %" APR_OFF_T_FMT " bytes came",
                        dec->received, dec->ct_length), err);
    }
    dec->state = FC_DONE;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ key wrap */

int pt_fc_kid_valid(const char *kid)
{
    apr_size_t i;

    if (!kid) {
        return 0;
    }
    for (i = 0; kid[i]; i++) {
        char c = kid[i];

        if (i >= PT_FC_KID_MAX
            || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                 || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return 0;
        }
    }
    return i > 0;
}

/* "pt-file-key\0" kid "\0" context, and its length. */
static unsigned char *wrap_aad(apr_pool_t *p, const char *kid,
                               const char *context, apr_size_t *len)
{
    apr_size_t klen = strlen(kid), clen = context ? strlen(context) : 0;
    unsigned char *aad = apr_palloc(p, WRAP_LABEL_BYTES + klen + 1 + clen);

    memcpy(aad, WRAP_LABEL, WRAP_LABEL_BYTES);      /* with its NUL */
    memcpy(aad + WRAP_LABEL_BYTES, kid, klen + 1);  /* with its NUL */
    if (clen > 0) {
        memcpy(aad + WRAP_LABEL_BYTES + klen + 1, context, clen);
    }
    *len = WRAP_LABEL_BYTES + klen + 1 + clen;
    return aad;
}

/* One-shot AES-256-GCM of a PT_FC_KEY_BYTES-byte key.  open = 0 seals in
 * into out and writes tag; open = 1 checks tag and opens in into out.
 * 1 on success, 0 on failure (EVP or, when opening, authentication). */
static int wrap_gcm(int open, const unsigned char *master,
                    const unsigned char *nonce, const unsigned char *aad,
                    apr_size_t aadlen, const unsigned char *in,
                    unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx;
    int n1 = 0, n2 = 0, ok;

    if (aadlen > (apr_size_t)INT_MAX) {
        return 0;
    }
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx) {
        return 0;
    }
    ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, master, nonce,
                           open ? 0 : 1) == 1
         && EVP_CipherUpdate(ctx, NULL, &n1, aad, (int)aadlen) == 1
         && EVP_CipherUpdate(ctx, out, &n1, in, PT_FC_KEY_BYTES) == 1
         && (!open || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
                                          PT_FC_TAG_BYTES, tag) == 1)
         && EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1
         && n1 + n2 == PT_FC_KEY_BYTES
         && (open || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
                                         PT_FC_TAG_BYTES, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

const char *pt_fc_wrap(apr_pool_t *p, const char *kid,
                       const unsigned char *master,
                       const unsigned char *data_key, const char *context)
{
    unsigned char blob[WRAP_BLOB_BYTES];
    unsigned char *aad;
    apr_size_t aadlen;

    if (!pt_fc_kid_valid(kid)) {
        return NULL;
    }
    if (pt_random_bytes(blob, FC_NONCE_BYTES) != APR_SUCCESS) {
        return NULL;
    }
    aad = wrap_aad(p, kid, context, &aadlen);
    if (!wrap_gcm(0, master, blob, aad, aadlen, data_key,
                  blob + FC_NONCE_BYTES,
                  blob + FC_NONCE_BYTES + PT_FC_KEY_BYTES)) {
        return NULL;
    }
    return apr_pstrcat(p, kid, ":", pt_b64url_encode(p, blob, sizeof(blob)),
                       NULL);
}

/* Split wrapped into its kid and its WRAP_BLOB_BYTES-byte blob;
 * APR_EINVAL when it does not have that shape. */
static apr_status_t wrapped_parse(apr_pool_t *p, const char *wrapped,
                                  const char **kid, unsigned char **blob)
{
    const char *colon;
    apr_size_t n = 0;

    if (!wrapped) {
        return APR_EINVAL;
    }
    colon = strchr(wrapped, ':');
    if (!colon || colon == wrapped
        || (apr_size_t)(colon - wrapped) > PT_FC_KID_MAX) {
        return APR_EINVAL;
    }
    *kid = apr_pstrmemdup(p, wrapped, (apr_size_t)(colon - wrapped));
    if (!pt_fc_kid_valid(*kid)) {
        return APR_EINVAL;
    }
    if (pt_b64url_decode(p, colon + 1, blob, &n) != APR_SUCCESS
        || n != WRAP_BLOB_BYTES) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

const char *pt_fc_wrapped_kid(apr_pool_t *p, const char *wrapped)
{
    const char *kid = NULL;
    unsigned char *blob = NULL;

    if (wrapped_parse(p, wrapped, &kid, &blob) != APR_SUCCESS) {
        return NULL;
    }
    return kid;
}

apr_status_t pt_fc_unwrap(apr_pool_t *p, const char *wrapped,
                          const unsigned char *master, const char *context,
                          unsigned char *data_key, pt_err_t *err)
{
    const char *kid = NULL;
    unsigned char *blob = NULL, *aad;
    unsigned char key[PT_FC_KEY_BYTES];
    apr_size_t aadlen;

    if (wrapped_parse(p, wrapped, &kid, &blob) != APR_SUCCESS) {
        pt_err_set(err, p, NULL, 0, "the wrapped file key is malformed");
        return APR_EINVAL;
    }
    aad = wrap_aad(p, kid, context, &aadlen);
    if (!wrap_gcm(1, master, blob, aad, aadlen, blob + FC_NONCE_BYTES, key,
                  blob + FC_NONCE_BYTES + PT_FC_KEY_BYTES)) {
        OPENSSL_cleanse(key, sizeof(key));
        return pt_err_set(err, p, NULL, 0, "the wrapped file key does not "
                          "open with master key \"%s\" (wrong master key, "
                          "or the key belongs to another file)", kid);
    }
    memcpy(data_key, key, PT_FC_KEY_BYTES);
    OPENSSL_cleanse(key, sizeof(key));
    return APR_SUCCESS;
}
