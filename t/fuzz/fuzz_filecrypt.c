/*
 * fuzz_filecrypt.c -- libFuzzer target for the decryptor of stored files:
 * hostile ciphertext, sizes and ranges.
 *
 * Input layout (8 bytes of parameters, then the stored object):
 *   byte 0     segment size: one of seg_sizes[] (byte % 8)
 *   bytes 1-2  plain_size the database would claim (big-endian)
 *   bytes 3-4  range offset (big-endian)
 *   bytes 5-6  range length (big-endian; 0xffff means -1, to the end)
 *   byte 7     write size (0: everything in one write)
 *   8..        the stored object (header and segments)
 * The object is decrypted with a fixed key, feeding the bytes that
 * pt_fc_dec_create() asks for; when the range reaches the end of the file,
 * whatever the object has beyond is fed too (and must be refused).
 *
 * What must hold (anything else aborts):
 *  - pt_fc_dec_create() refuses exactly the ranges outside the file, and
 *    asks only for bytes inside the ciphertext of such a file;
 *  - no more plaintext than was asked for ever comes out, and a failure
 *    always says why;
 *  - success on the whole file means the object is exactly the encryption
 *    of the output under the fixed key (re-encrypting gives it back), i.e.
 *    only authentic input succeeds; a successful range read agrees with a
 *    successful whole-file read of the same object.
 * The seed corpus holds authentic objects made with the fixed key, so the
 * fuzzer starts from inputs that pass and mutates them into ones that
 * must not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "pt_filecrypt.h"

#define PARAM_BYTES 8

static const unsigned char fuzz_key[PT_FC_KEY_BYTES + 1] =
    "pt-fuzz-filecrypt-fixed-key-0001";

static const apr_size_t seg_sizes[8] = { 16, 17, 31, 64, 100, 256, 4096,
                                         PT_FC_SEGMENT };

static int initialized;

typedef struct out_t {
    unsigned char *buf;
    apr_size_t len, cap;
} out_t;

static apr_status_t out_sink(void *baton, const char *data, apr_size_t len)
{
    out_t *o = baton;

    if (len == 0 || len > o->cap - o->len) {
        abort();    /* empty writes or more than the range asked for */
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    return APR_SUCCESS;
}

/* Decrypt [offset, offset+length) of obj; the output goes to o (capacity
 * plain_size).  Returns the status; *ok_create tells whether the
 * decryptor was created. */
static apr_status_t run(apr_pool_t *p, apr_size_t seg, apr_off_t plain_size,
                        apr_off_t offset, apr_off_t length,
                        const unsigned char *obj, apr_size_t obj_len,
                        apr_size_t chunk, out_t *o, int *created)
{
    apr_off_t total = pt_fc_ciphertext_size_ex(plain_size, seg);
    apr_off_t cto = -1, ctl = -1;
    apr_size_t from, avail, done = 0;
    pt_fc_dec_t *dec = NULL;
    apr_status_t rv;
    pt_err_t err;

    memset(&err, 0, sizeof(err));
    o->len = 0;
    *created = 0;
    rv = pt_fc_dec_create_ex(p, fuzz_key, seg, plain_size, offset, length,
                             out_sink, o, &dec, &cto, &ctl, &err);
    if (rv != APR_SUCCESS) {
        if (rv != APR_EINVAL || dec != NULL || !err.what) {
            abort();
        }
        return rv;
    }
    *created = 1;
    if (!dec || cto < 0 || ctl < 0 || cto + ctl > total) {
        abort();
    }
    from = (apr_size_t)cto;
    avail = from < obj_len ? obj_len - from : 0;
    if ((apr_off_t)avail > ctl && cto + ctl < total) {
        avail = (apr_size_t)ctl;
    }
    while (done < avail) {
        apr_size_t k = chunk && chunk < avail - done ? chunk : avail - done;

        rv = pt_fc_dec_write(dec, (const char *)obj + from + done, k, &err);
        if (rv != APR_SUCCESS) {
            break;
        }
        done += k;
    }
    if (rv == APR_SUCCESS) {
        rv = pt_fc_dec_finish(dec, &err);
    }
    if (rv != APR_SUCCESS && (rv != APR_EGENERAL || !err.what)) {
        abort();
    }
    return rv;
}

static apr_status_t collect(void *baton, const char *data, apr_size_t len)
{
    out_t *o = baton;

    if (len > o->cap - o->len) {
        abort();
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    return APR_SUCCESS;
}

/* The output of a whole-file success, encrypted again, must be obj. */
static void check_authentic(apr_pool_t *p, apr_size_t seg, const out_t *o,
                            const unsigned char *obj, apr_size_t obj_len)
{
    pt_fc_enc_t *enc = NULL;
    out_t ct;
    pt_err_t err;

    ct.cap = (apr_size_t)pt_fc_ciphertext_size_ex((apr_off_t)o->len, seg);
    ct.buf = apr_palloc(p, ct.cap + 1);
    ct.len = 0;
    if (pt_fc_enc_create_ex(p, fuzz_key, seg, collect, &ct, &enc, &err)
        || pt_fc_enc_write(enc, (const char *)o->buf, o->len, &err)
        || pt_fc_enc_finish(enc, &err)) {
        abort();
    }
    if (ct.len != obj_len || memcmp(ct.buf, obj, obj_len) != 0) {
        abort();    /* a forgery was accepted */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_size_t seg, chunk, obj_len;
    apr_off_t plain_size, offset, length, want;
    const unsigned char *obj;
    int whole, created = 0, created2 = 0, valid;
    out_t o, o2;
    apr_status_t rv;

    if (size < PARAM_BYTES) {
        return 0;
    }
    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    seg = seg_sizes[data[0] % 8];
    plain_size = (data[1] << 8) | data[2];
    offset = (data[3] << 8) | data[4];
    length = (data[5] << 8) | data[6];
    if (length == 0xffff) {
        length = -1;
    }
    chunk = data[7];
    obj = data + PARAM_BYTES;
    obj_len = size - PARAM_BYTES;
    whole = offset == 0 && length == -1;
    valid = offset <= plain_size
            && (length == -1 || offset + length <= plain_size);
    want = length == -1 ? plain_size - offset : length;

    apr_pool_create(&p, NULL);
    o.cap = (apr_size_t)plain_size;
    o.buf = apr_palloc(p, o.cap + 1);
    rv = run(p, seg, plain_size, offset, length, obj, obj_len, chunk, &o,
             &created);
    if (created != valid) {
        abort();
    }
    if (created && rv == APR_SUCCESS) {
        if ((apr_off_t)o.len != want) {
            abort();
        }
        if (whole) {
            check_authentic(p, seg, &o, obj, obj_len);
        }
        else {
            /* the same object read whole, in one write */
            o2.cap = (apr_size_t)plain_size;
            o2.buf = apr_palloc(p, o2.cap + 1);
            if (run(p, seg, plain_size, 0, -1, obj, obj_len, 0, &o2,
                    &created2) == APR_SUCCESS
                && memcmp(o2.buf + offset, o.buf, o.len) != 0) {
                abort();
            }
        }
    }
    else if (created && whole && o.len % seg != 0
             && (apr_off_t)o.len != want) {
        /* before a failure only verified, hence full, segments go out
         * (or all of the file, when what fails is extra bytes after it) */
        abort();
    }

    apr_pool_destroy(p);
    return 0;
}
