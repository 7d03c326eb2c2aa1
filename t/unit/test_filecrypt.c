/*
 * test_filecrypt.c -- unit tests of pt_filecrypt.c: the exact stored format
 * (known answers computed with another AES-GCM implementation), round
 * trips of awkward sizes fed in odd chunks, every Range over small files,
 * tampering of every kind (each must fail without emitting a byte of the
 * bad segment), stream states, and wrapping of data keys.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_crypto.h"
#include "pt_filecrypt.h"
#include "pt_test.h"

#define SEG PT_FC_SEGMENT
#define STRIDE (SEG + PT_FC_TAG_BYTES)

/* ------------------------------------------------------------ helpers */

typedef struct sink_t {
    unsigned char *buf;
    apr_size_t len, cap;
    int calls;
    apr_size_t first_len;       /* length of the first call */
    apr_status_t fail_with;     /* when set, every call returns it */
} sink_t;

static apr_status_t sink_fn(void *baton, const char *data, apr_size_t len)
{
    sink_t *s = baton;

    if (s->calls++ == 0) {
        s->first_len = len;
    }
    if (s->fail_with != APR_SUCCESS) {
        return s->fail_with;
    }
    if (len > s->cap - s->len) {
        return APR_ENOSPC;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return APR_SUCCESS;
}

static void sink_init(apr_pool_t *p, sink_t *s, apr_size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->buf = apr_palloc(p, cap + 1);
    s->cap = cap;
}

/* Deterministic pseudo-random bytes (xorshift64), so failures repeat. */
static void fill_bytes(unsigned char *b, apr_size_t n, apr_uint64_t seed)
{
    apr_uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (unsigned char)(x >> 24);
    }
}

static void fixed_key(unsigned char *k, int start)
{
    int i;

    for (i = 0; i < PT_FC_KEY_BYTES; i++) {
        k[i] = (unsigned char)(start + i);
    }
}

/* Encrypt n bytes with segment size seg, fed in chunk sizes cycling
 * through chunks[] (0-terminated).  NULL on any error. */
static unsigned char *encrypt(apr_pool_t *p, const unsigned char *key,
                              apr_size_t seg, const unsigned char *plain,
                              apr_size_t n, const apr_size_t *chunks,
                              apr_size_t *ct_len)
{
    apr_off_t size = pt_fc_ciphertext_size_ex((apr_off_t)n, seg);
    pt_fc_enc_t *enc = NULL;
    pt_err_t err;
    sink_t s;
    apr_size_t done = 0;
    int c = 0;

    memset(&err, 0, sizeof(err));
    sink_init(p, &s, (apr_size_t)size);
    if (pt_fc_enc_create_ex(p, key, seg, sink_fn, &s, &enc, &err)) {
        return NULL;
    }
    while (done < n) {
        apr_size_t k = chunks[c] ? chunks[c] : 1;

        c = chunks[c + 1] ? c + 1 : 0;
        if (k > n - done) {
            k = n - done;
        }
        if (pt_fc_enc_write(enc, (const char *)plain + done, k, &err)) {
            return NULL;
        }
        done += k;
    }
    if (pt_fc_enc_finish(enc, &err) || s.len != (apr_size_t)size) {
        return NULL;
    }
    *ct_len = s.len;
    return s.buf;
}

/* The outcome of one decryption. */
typedef struct dec_result_t {
    apr_status_t rv;
    apr_off_t cto, ctl;         /* what pt_fc_dec_create asked for */
    sink_t out;
    pt_err_t err;
} dec_result_t;

/*
 * Decrypt [offset, offset+length) of a plain_size-byte file from the
 * stored object ct (ct_len bytes).  The bytes pt_fc_dec_create() asks for
 * (as many as exist) are fed in chunks of `chunk` bytes (0: all at once);
 * with feed_all, everything from *ct_offset to the end of the object is
 * fed, even beyond *ct_length.
 */
static void decrypt(apr_pool_t *p, const unsigned char *key, apr_size_t seg,
                    apr_off_t plain_size, const unsigned char *ct,
                    apr_size_t ct_len, apr_off_t offset, apr_off_t length,
                    apr_size_t chunk, int feed_all, dec_result_t *r)
{
    pt_fc_dec_t *dec = NULL;
    apr_size_t from, avail, done = 0;

    memset(r, 0, sizeof(*r));
    sink_init(p, &r->out, ct_len);
    r->rv = pt_fc_dec_create_ex(p, key, seg, plain_size, offset, length,
                                sink_fn, &r->out, &dec, &r->cto, &r->ctl,
                                &r->err);
    if (r->rv != APR_SUCCESS) {
        return;
    }
    from = (apr_size_t)r->cto;
    avail = from < ct_len ? ct_len - from : 0;
    if (!feed_all && (apr_off_t)avail > r->ctl) {
        avail = (apr_size_t)r->ctl;
    }
    while (done < avail) {
        apr_size_t k = chunk && chunk < avail - done ? chunk : avail - done;

        r->rv = pt_fc_dec_write(dec, (const char *)ct + from + done, k,
                                &r->err);
        if (r->rv != APR_SUCCESS) {
            return;
        }
        done += k;
    }
    r->rv = pt_fc_dec_finish(dec, &r->err);
}

static int has(const pt_err_t *err, const char *needle)
{
    return err->what && strstr(err->what, needle) != NULL;
}

/* The decryption failed with a message containing msg, and what it sent
 * is exactly the first out_len bytes of plain. */
static int failed_with(const dec_result_t *r, const char *msg,
                       const unsigned char *plain, apr_size_t out_len)
{
    if (r->rv == APR_SUCCESS || !has(&r->err, msg)) {
        printf("#   rv %d, error '%s', %lu bytes out\n", r->rv,
               r->err.what ? r->err.what : "(none)",
               (unsigned long)r->out.len);
        return 0;
    }
    if (r->out.len != out_len || memcmp(r->out.buf, plain, out_len) != 0) {
        printf("#   %lu bytes out, expected %lu\n", (unsigned long)r->out.len,
               (unsigned long)out_len);
        return 0;
    }
    return 1;
}

static unsigned char *unhex(apr_pool_t *p, const char *hex, apr_size_t *n)
{
    apr_size_t i;
    unsigned char *b;

    *n = strlen(hex) / 2;
    b = apr_palloc(p, *n + 1);
    for (i = 0; i < *n; i++) {
        b[i] = (unsigned char)(pt_hex_value((unsigned char)hex[2 * i]) * 16
                               + pt_hex_value((unsigned char)hex[2 * i + 1]));
    }
    return b;
}

static const apr_size_t odd_chunks[] = { 7, 1, 65536, 4093, 131071, 3,
                                         65537, 0 };
static const apr_size_t whole_chunks[] = { (apr_size_t)1 << 30, 0 };

/* ------------------------------------------------------------ tests */

static void test_sizes(void)
{
    PT_OK(pt_fc_ciphertext_size(0) == 24, "empty file: 24 bytes");
    PT_OK(pt_fc_ciphertext_size(1) == 25, "1 byte: 25");
    PT_OK(pt_fc_ciphertext_size(SEG - 1) == 8 + SEG - 1 + 16, "seg-1");
    PT_OK(pt_fc_ciphertext_size(SEG) == 8 + SEG + 16, "seg: one segment");
    PT_OK(pt_fc_ciphertext_size(SEG + 1) == 8 + SEG + 1 + 32,
          "seg+1: two segments");
    PT_OK(pt_fc_ciphertext_size(2 * SEG) == 8 + 2 * SEG + 32, "2*seg");
    PT_OK(pt_fc_ciphertext_size((apr_off_t)1 << 40)
          == 8 + ((apr_off_t)1 << 40) + 16 * ((apr_off_t)1 << 24),
          "1 TiB");
    PT_OK(pt_fc_ciphertext_size((apr_off_t)SEG << 32)
          == 8 + ((apr_off_t)SEG << 32) + 16 * ((apr_off_t)1 << 32),
          "2^32 segments is the largest file");
    PT_OK(pt_fc_ciphertext_size(((apr_off_t)SEG << 32) + 1) == -1,
          "one byte more is too large");
    PT_OK(pt_fc_ciphertext_size(-1) == -1, "negative size");
    PT_OK(pt_fc_ciphertext_size_ex(33, 16) == 8 + 33 + 48,
          "33 bytes in 16-byte segments");
    PT_OK(pt_fc_ciphertext_size_ex(10, 15) == -1
          && pt_fc_ciphertext_size_ex(10, PT_FC_SEGMENT_MAX + 1) == -1,
          "segment size outside the limits");
}

/* Known answers from an independent AES-GCM (Python cryptography). */
static void test_format(apr_pool_t *p)
{
    static const char want20[] =
        "50544531000000103e8d87ed8119b58a3091c8577b48f4ffe975bd748f512041"
        "6a562dec90acd1870f65e91c3687c3ffe37a29d1334445a9f70b5db5";
    static const char want0[] =
        "50544531000100001c78952a44491bf4a6d28edf9d341a89";
    unsigned char key[PT_FC_KEY_BYTES], *ct, *want;
    apr_size_t ct_len = 0, want_len;

    fixed_key(key, 0);
    ct = encrypt(p, key, 16, (const unsigned char *)"0123456789abcdefghij",
                 20, odd_chunks, &ct_len);
    want = unhex(p, want20, &want_len);
    PT_OK(ct && ct_len == want_len && !memcmp(ct, want, want_len),
          "20 bytes in 16-byte segments: exact bytes");
    ct = encrypt(p, key, SEG, (const unsigned char *)"", 0, odd_chunks,
                 &ct_len);
    want = unhex(p, want0, &want_len);
    PT_OK(ct && ct_len == want_len && !memcmp(ct, want, want_len),
          "empty file: header and one empty last segment, exact bytes");
}

static void test_round_trips(apr_pool_t *p)
{
    static const apr_size_t sizes[] = { 0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG,
                                        3 * SEG + 17 };
    static const apr_size_t dec_chunks[] = { 1, 0, 4097, 65560, 1 };
    unsigned char key[PT_FC_KEY_BYTES], key2[PT_FC_KEY_BYTES];
    apr_size_t i;

    fixed_key(key, 1);
    fixed_key(key2, 2);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        apr_size_t n = sizes[i], ct_len = 0, ct2_len = 0;
        unsigned char *plain = apr_palloc(p, n + 1), *ct, *ct2;
        dec_result_t r;

        fill_bytes(plain, n, i);
        ct = encrypt(p, key, SEG, plain, n, odd_chunks, &ct_len);
        PT_OK(ct && (apr_off_t)ct_len == pt_fc_ciphertext_size((apr_off_t)n),
              "%lu bytes: encrypted to pt_fc_ciphertext_size bytes",
              (unsigned long)n);
        if (!ct) {
            continue;
        }
        PT_OK(!memcmp(ct, "PTE1\0\1\0\0", 8), "%lu bytes: header",
              (unsigned long)n);
        PT_OK(n == 0 || memcmp(ct + 8, plain, n < SEG ? n : SEG) != 0,
              "%lu bytes: ciphertext differs from plaintext",
              (unsigned long)n);
        ct2 = encrypt(p, key, SEG, plain, n, whole_chunks, &ct2_len);
        PT_OK(ct2 && ct2_len == ct_len && !memcmp(ct, ct2, ct_len),
              "%lu bytes: chunking does not change the ciphertext",
              (unsigned long)n);
        ct2 = encrypt(p, key2, SEG, plain, n, whole_chunks, &ct2_len);
        PT_OK(ct2 && memcmp(ct + 8, ct2 + 8, ct_len - 8) != 0,
              "%lu bytes: another key, another ciphertext",
              (unsigned long)n);
        decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len, 0, -1,
                dec_chunks[i % 5], 0, &r);
        PT_OK(r.rv == APR_SUCCESS && r.cto == 0 && r.ctl == (apr_off_t)ct_len
              && r.out.len == n && !memcmp(r.out.buf, plain, n),
              "%lu bytes: decrypts to the plaintext (chunks of %lu)",
              (unsigned long)n, (unsigned long)dec_chunks[i % 5]);
    }
}

static void test_emission(apr_pool_t *p)
{
    unsigned char key[PT_FC_KEY_BYTES];
    unsigned char *plain = apr_palloc(p, 2 * SEG + 1);
    pt_fc_enc_t *enc = NULL;
    pt_err_t err;
    sink_t s;

    memset(&err, 0, sizeof(err));
    fixed_key(key, 3);
    fill_bytes(plain, 2 * SEG + 1, 99);
    sink_init(p, &s, 3 * STRIDE);
    PT_OK(pt_fc_enc_create(p, key, sink_fn, &s, &enc, &err) == APR_SUCCESS,
          "encryptor created");
    PT_OK(pt_fc_enc_write(enc, (const char *)plain, SEG, &err)
          == APR_SUCCESS && s.calls == 0,
          "one full segment is held back (it may be the last)");
    PT_OK(pt_fc_enc_write(enc, (const char *)plain + SEG, 1, &err)
          == APR_SUCCESS && s.calls == 1 && s.first_len == 8 + STRIDE
          && !memcmp(s.buf, "PTE1", 4),
          "one byte more sends header + segment 0 in one call");
    PT_OK(pt_fc_enc_write(enc, (const char *)plain + SEG + 1, SEG, &err)
          == APR_SUCCESS && s.calls == 2 && s.len == 8 + 2 * STRIDE,
          "the next full segment goes out when its successor starts");
    PT_OK(pt_fc_enc_finish(enc, &err) == APR_SUCCESS && s.calls == 3
          && s.len == 8 + 2 * STRIDE + 1 + 16, "finish sends the last");
    PT_OK(pt_fc_enc_finish(enc, &err) == APR_EINVAL
          && has(&err, "already finished"), "finish twice is refused");
    PT_OK(pt_fc_enc_write(enc, "x", 1, &err) == APR_EINVAL,
          "write after finish is refused");
}

static void test_big(apr_pool_t *p)
{
    static const apr_size_t chunks[] = { 1000003, 17, 65536, 65535, 65537,
                                         1, 3 * SEG + 5, 0 };
    apr_size_t n = 20 * 1024 * 1024, ct_len = 0;
    unsigned char key[PT_FC_KEY_BYTES];
    unsigned char *plain = apr_palloc(p, n), *ct;
    apr_off_t mid = 10 * 1024 * 1024 - 5;
    dec_result_t r;

    pt_random_bytes(key, sizeof(key));
    pt_random_bytes(plain, n);
    ct = encrypt(p, key, SEG, plain, n, chunks, &ct_len);
    PT_OK(ct && (apr_off_t)ct_len == pt_fc_ciphertext_size((apr_off_t)n),
          "20 MiB random file encrypted in odd chunks");
    if (!ct) {
        return;
    }
    decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len, 0, -1, 99991, 0, &r);
    PT_OK(r.rv == APR_SUCCESS && r.out.len == n
          && !memcmp(r.out.buf, plain, n), "20 MiB decrypts to itself");
    decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len, mid, 200000, 7777, 0, &r);
    PT_OK(r.rv == APR_SUCCESS && r.out.len == 200000
          && !memcmp(r.out.buf, plain + mid, 200000)
          && r.cto == 8 + (mid / SEG) * STRIDE && r.ctl == 5 * STRIDE,
          "200000 bytes from the middle: 5 segments fetched and decrypted");
}

/* What the ciphertext range for a plaintext range must be (a second,
 * independent statement of the rule in pt_filecrypt.h). */
static void want_ct_range(apr_off_t size, apr_size_t seg, apr_off_t off,
                          apr_off_t len, apr_off_t *cto, apr_off_t *ctl)
{
    apr_off_t total = pt_fc_ciphertext_size_ex(size, seg);
    apr_off_t stride = (apr_off_t)seg + 16, first, last, end;
    int whole = off == 0 && len == -1;

    if (len == -1) {
        len = size - off;
    }
    if (len == 0 && !whole) {
        *cto = 0;
        *ctl = 0;
        return;
    }
    first = off / (apr_off_t)seg;
    last = len == 0 ? 0 : (off + len - 1) / (apr_off_t)seg;
    *cto = first == 0 ? 0 : 8 + first * stride;
    end = 8 + (last + 1) * stride;
    *ctl = (end < total ? end : total) - *cto;
}

/* Every (offset, length) over small files with 16-byte segments. */
static void test_all_ranges(apr_pool_t *p)
{
    static const apr_size_t sizes[] = { 0, 1, 15, 16, 17, 31, 32, 33, 48, 50 };
    unsigned char key[PT_FC_KEY_BYTES];
    apr_pool_t *sp;
    apr_size_t i;

    apr_pool_create(&sp, p);
    fixed_key(key, 4);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        apr_size_t n = sizes[i], ct_len = 0;
        unsigned char plain[64], *ct;
        apr_off_t off, len;
        int bad = 0, count = 0, bad_inval = 0;

        fill_bytes(plain, n, 100 + i);
        ct = encrypt(p, key, 16, plain, n, odd_chunks, &ct_len);
        for (off = 0; ct && off <= (apr_off_t)n; off++) {
            for (len = -1; off + len <= (apr_off_t)n; len++) {
                apr_off_t got = len == -1 ? (apr_off_t)n - off : len;
                apr_off_t cto, ctl;
                dec_result_t r;
                int chunk;

                want_ct_range((apr_off_t)n, 16, off, len, &cto, &ctl);
                for (chunk = 0; chunk <= 5; chunk += 5) {
                    apr_pool_clear(sp);
                    decrypt(sp, key, 16, (apr_off_t)n, ct, ct_len, off, len,
                            (apr_size_t)chunk, 0, &r);
                    count++;
                    if (r.rv != APR_SUCCESS || r.cto != cto || r.ctl != ctl
                        || r.out.len != (apr_size_t)got
                        || memcmp(r.out.buf, plain + off, (apr_size_t)got)) {
                        printf("#   size %lu range %ld,%ld: rv %d cto %ld "
                               "ctl %ld out %lu\n", (unsigned long)n,
                               (long)off, (long)len, r.rv, (long)r.cto,
                               (long)r.ctl, (unsigned long)r.out.len);
                        bad++;
                    }
                }
            }
        }
        PT_OK(ct && !bad && count > 0, "size %lu: all %d range reads exact",
              (unsigned long)n, count);

        /* ranges outside the file */
        {
            static const apr_off_t inval[][2] = { { 1, -1 }, { -1, -1 },
                                                  { 0, 1 }, { 0, -2 },
                                                  { 1, 0 } };
            int k;

            for (k = 0; k < 5; k++) {
                dec_result_t r;

                decrypt(p, key, 16, (apr_off_t)n, ct, ct_len,
                        inval[k][0] + (inval[k][0] > 0 ? (apr_off_t)n : 0),
                        inval[k][1] + (inval[k][1] > 0 ? (apr_off_t)n : 0),
                        0, 0, &r);
                if (r.rv != APR_EINVAL || !has(&r.err, "outside the file")
                    || r.out.len != 0 || r.ctl != 0) {
                    bad_inval++;
                }
            }
            PT_OK(!bad_inval, "size %lu: ranges outside the file are "
                  "APR_EINVAL", (unsigned long)n);
        }
    }
}

/* Ranges of a 4-segment file with the default segment size. */
static void test_ranges(apr_pool_t *p)
{
    static const struct {
        apr_off_t off, len, cto, ctl;
        const char *what;
    } cases[] = {
        { 0, 1, 0, 8 + STRIDE, "first byte" },
        { 5, 100, 0, 8 + STRIDE, "inside segment 0" },
        { SEG - 1, 2, 0, 8 + 2 * STRIDE, "across the 0/1 boundary" },
        { SEG, 1, 8 + STRIDE, STRIDE, "first byte of segment 1" },
        { SEG + 10, SEG, 8 + STRIDE, 2 * STRIDE, "across the 1/2 boundary" },
        { 2 * SEG - 3, SEG + 10, 8 + STRIDE, 2 * STRIDE + 33,
          "segments 1 to 3" },
        { 3 * SEG + 16, 1, 8 + 3 * STRIDE, 33, "last byte" },
        { 3 * SEG + 16, -1, 8 + 3 * STRIDE, 33, "last byte, to the end" },
        { 3 * SEG, -1, 8 + 3 * STRIDE, 33, "the short last segment" },
        { 0, -1, 0, 8 + 3 * STRIDE + 33, "whole file" },
        { 1, -1, 0, 8 + 3 * STRIDE + 33, "all but the first byte" },
        { 0, 3 * SEG + 17, 0, 8 + 3 * STRIDE + 33, "whole file by length" },
        { 3 * SEG + 17, -1, 0, 0, "nothing, at the end" },
        { 0, 0, 0, 0, "nothing, at the start" },
        { SEG, 0, 0, 0, "nothing, at a boundary" },
    };
    apr_size_t n = 3 * SEG + 17, ct_len = 0, i;
    unsigned char key[PT_FC_KEY_BYTES];
    unsigned char *plain = apr_palloc(p, n), *ct;

    fixed_key(key, 5);
    fill_bytes(plain, n, 5);
    ct = encrypt(p, key, SEG, plain, n, odd_chunks, &ct_len);
    for (i = 0; ct && i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_off_t got = cases[i].len == -1 ? (apr_off_t)n - cases[i].off
                                           : cases[i].len;
        dec_result_t r;

        decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len, cases[i].off,
                cases[i].len, 1000, 0, &r);
        PT_OK(r.rv == APR_SUCCESS && r.cto == cases[i].cto
              && r.ctl == cases[i].ctl && r.out.len == (apr_size_t)got
              && !memcmp(r.out.buf, plain + cases[i].off, (apr_size_t)got),
              "range %s: ciphertext %ld+%ld", cases[i].what,
              (long)r.cto, (long)r.ctl);
    }
}

static void test_zero_length(apr_pool_t *p)
{
    unsigned char key[PT_FC_KEY_BYTES], other[PT_FC_KEY_BYTES], *ct;
    apr_size_t ct_len = 0;
    pt_fc_dec_t *dec = NULL;
    apr_off_t cto = -1, ctl = -1;
    dec_result_t r;
    pt_err_t err;
    sink_t s;

    memset(&err, 0, sizeof(err));
    fixed_key(key, 6);
    fixed_key(other, 7);
    ct = encrypt(p, key, SEG, (const unsigned char *)"", 0, odd_chunks,
                 &ct_len);
    decrypt(p, key, SEG, 0, ct, ct_len, 0, -1, 0, 0, &r);
    PT_OK(r.rv == APR_SUCCESS && r.ctl == 24 && r.out.len == 0
          && r.out.calls == 0,
          "reading a whole empty file fetches and verifies its 24 bytes");
    decrypt(p, other, SEG, 0, ct, ct_len, 0, -1, 0, 0, &r);
    PT_OK(failed_with(&r, "segment 0 of", (const unsigned char *)"", 0),
          "an empty file under the wrong key fails");
    decrypt(p, key, SEG, 0, ct, 23, 0, -1, 0, 0, &r);
    PT_OK(failed_with(&r, "truncated: 23 of 24", (const unsigned char *)"", 0),
          "an empty file missing a byte fails");
    decrypt(p, key, SEG, 0, ct, ct_len, 0, 0, 0, 0, &r);
    PT_OK(r.rv == APR_SUCCESS && r.ctl == 0 && r.out.len == 0,
          "zero bytes of an empty file need no ciphertext");

    sink_init(p, &s, 10);
    PT_OK(pt_fc_dec_create(p, key, 100, 50, 0, sink_fn, &s, &dec, &cto,
                           &ctl, &err) == APR_SUCCESS && cto == 0 && ctl == 0,
          "zero bytes from the middle need no ciphertext");
    PT_OK(pt_fc_dec_finish(dec, &err) == APR_SUCCESS && s.calls == 0,
          "... and finish at once with no output");
    PT_OK(pt_fc_dec_create(p, key, 100, 50, 0, sink_fn, &s, &dec, &cto,
                           &ctl, &err) == APR_SUCCESS
          && pt_fc_dec_write(dec, "x", 1, &err) == APR_EGENERAL
          && has(&err, "more encrypted data"),
          "... and a byte fed to them is an error");
}

/* Tampering with a 4-segment file (3 full, 17 bytes last). */
static void test_tamper(apr_pool_t *p)
{
    static const apr_size_t chunks[] = { 0, 1, 4097 };
    apr_size_t n = 3 * SEG + 17, ct_len = 0, i, c;
    unsigned char key[PT_FC_KEY_BYTES], other[PT_FC_KEY_BYTES];
    unsigned char *plain = apr_palloc(p, n), *ct, *bad;
    const char *auth = "failed authentication";
    dec_result_t r;

    fixed_key(key, 8);
    fixed_key(other, 9);
    fill_bytes(plain, n, 8);
    ct = encrypt(p, key, SEG, plain, n, odd_chunks, &ct_len);
    if (!ct) {
        PT_OK(0, "tamper: encryption");
        return;
    }
    bad = apr_palloc(p, ct_len + 1);
    decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len, 0, -1, 0, 0, &r);
    PT_OK(r.rv == APR_SUCCESS, "the untouched file decrypts");

    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        apr_size_t ch = chunks[c];

        memcpy(bad, ct, ct_len);
        bad[0] ^= 1;
        decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "bad header", plain, 0),
              "chunks %lu: header magic modified", (unsigned long)ch);

        memcpy(bad, ct, ct_len);
        bad[6] ^= 1;
        decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segments of 65792 bytes, expected 65536",
                          plain, 0),
              "chunks %lu: header segment size modified", (unsigned long)ch);

        for (i = 0; i < 4; i++) {
            apr_size_t start = 8 + i * STRIDE;
            apr_size_t plen = i < 3 ? SEG : 17;
            const char *msg = apr_psprintf(p, "segment %lu of",
                                           (unsigned long)i);

            memcpy(bad, ct, ct_len);
            bad[start + plen / 2] ^= 0x80;
            decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 0, -1, ch, 0, &r);
            PT_OK(failed_with(&r, msg, plain, i * SEG)
                  && has(&r.err, auth),
                  "chunks %lu: a bit of segment %lu flipped: the %lu good "
                  "bytes before it, nothing of it", (unsigned long)ch,
                  (unsigned long)i, (unsigned long)(i * SEG));

            memcpy(bad, ct, ct_len);
            bad[start + plen + 15] ^= 1;
            decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 0, -1, ch, 0, &r);
            PT_OK(failed_with(&r, msg, plain, i * SEG),
                  "chunks %lu: a bit of the tag of segment %lu flipped",
                  (unsigned long)ch, (unsigned long)i);
        }

        decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len - 33, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "truncated", plain, 3 * SEG),
              "chunks %lu: last segment dropped", (unsigned long)ch);
        decrypt(p, key, SEG, (apr_off_t)n, ct, ct_len - 1, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "truncated", plain, 3 * SEG),
              "chunks %lu: last byte dropped", (unsigned long)ch);

        /* 5 bytes cut out of segment 1 */
        memcpy(bad, ct, 8 + STRIDE + 100);
        memcpy(bad + 8 + STRIDE + 100, ct + 8 + STRIDE + 105,
               ct_len - (8 + STRIDE + 105));
        decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len - 5, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 1 of", plain, SEG),
              "chunks %lu: bytes dropped inside segment 1", (unsigned long)ch);

        /* segments 1 and 2 swapped */
        memcpy(bad, ct, ct_len);
        memcpy(bad + 8 + STRIDE, ct + 8 + 2 * STRIDE, STRIDE);
        memcpy(bad + 8 + 2 * STRIDE, ct + 8 + STRIDE, STRIDE);
        decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 1 of", plain, SEG),
              "chunks %lu: segments 1 and 2 swapped", (unsigned long)ch);
        decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 2 * SEG, 5, ch, 0,
                &r);
        PT_OK(failed_with(&r, "segment 2 of", plain, 0),
              "chunks %lu: ... a range in the swapped segment 2 fails too",
              (unsigned long)ch);

        /* segment 0 copied over segment 1 */
        memcpy(bad, ct, ct_len);
        memcpy(bad + 8 + STRIDE, ct + 8, STRIDE);
        decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 1 of", plain, SEG),
              "chunks %lu: segment 0 in the place of segment 1",
              (unsigned long)ch);

        decrypt(p, other, SEG, (apr_off_t)n, ct, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 0 of", plain, 0),
              "chunks %lu: wrong key", (unsigned long)ch);

        /* wrong plain_size: too big means missing bytes or a last segment
         * that is not flagged last; too small means a tag in the wrong
         * place or a last flag where none is expected */
        decrypt(p, key, SEG, (apr_off_t)n + 1, ct, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "truncated", plain, 3 * SEG),
              "chunks %lu: plain_size + 1", (unsigned long)ch);
        decrypt(p, key, SEG, (apr_off_t)n - 1, ct, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 3 of", plain, 3 * SEG),
              "chunks %lu: plain_size - 1", (unsigned long)ch);
        decrypt(p, key, SEG, (apr_off_t)n + SEG, ct, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "truncated", plain, 3 * SEG),
              "chunks %lu: plain_size + seg", (unsigned long)ch);
        decrypt(p, key, SEG, (apr_off_t)n - SEG, ct, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 2 of", plain, 2 * SEG),
              "chunks %lu: plain_size - seg", (unsigned long)ch);
        decrypt(p, key, SEG, 3 * SEG, ct, ct_len, 0, -1, ch, 0, &r);
        PT_OK(failed_with(&r, "segment 2 of", plain, 2 * SEG),
              "chunks %lu: plain_size 3*seg: segment 2 is not the last",
              (unsigned long)ch);
    }

    /* bytes appended: all in one write, nothing is sent; a byte after the
     * verified file still fails */
    memcpy(bad, ct, ct_len);
    bad[ct_len] = 'x';
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len + 1, 0, -1, 0, 1, &r);
    PT_OK(failed_with(&r, "more encrypted data", plain, 0),
          "a byte appended, fed in one write: refused before any output");
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len + 1, 0, -1, 1, 1, &r);
    PT_OK(failed_with(&r, "more encrypted data", plain, n),
          "a byte appended, fed alone at the end: refused");
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len + 1, SEG, 10, 0, 1, &r);
    PT_OK(failed_with(&r, "more encrypted data", plain, 0),
          "a range fed more than it asked for: refused");

    /* ranges around a modified segment 2 */
    memcpy(bad, ct, ct_len);
    bad[8 + 2 * STRIDE + 7] ^= 4;
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, SEG, 100, 0, 0, &r);
    PT_OK(r.rv == APR_SUCCESS && r.out.len == 100
          && !memcmp(r.out.buf, plain + SEG, 100),
          "segment 2 modified: a range in segment 1 still reads");
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, 2 * SEG + 5, 10, 0, 0,
            &r);
    PT_OK(failed_with(&r, "segment 2 of", plain, 0),
          "segment 2 modified: a range inside it fails with no output");
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, SEG, SEG + 10, 3, 0, &r);
    PT_OK(failed_with(&r, "segment 2 of", plain + SEG, SEG),
          "segment 2 modified: a range over 1 and 2 sends segment 1 only");

    /* the header is not fetched for a range after segment 0, and the
     * segments are verified against the expected header */
    memcpy(bad, ct, ct_len);
    bad[0] ^= 1;
    decrypt(p, key, SEG, (apr_off_t)n, bad, ct_len, SEG, 10, 0, 0, &r);
    PT_OK(r.rv == APR_SUCCESS && r.cto == 8 + STRIDE
          && !memcmp(r.out.buf, plain + SEG, 10),
          "header modified: a range after segment 0 does not read it");
}

/* Truncation exactly at a segment boundary of a file of full segments. */
static void test_boundary_truncation(apr_pool_t *p)
{
    apr_size_t n = 2 * SEG, ct_len = 0;
    unsigned char key[PT_FC_KEY_BYTES];
    unsigned char *plain = apr_palloc(p, n), *ct;
    dec_result_t r;

    fixed_key(key, 10);
    fill_bytes(plain, n, 10);
    ct = encrypt(p, key, SEG, plain, n, odd_chunks, &ct_len);
    PT_OK(ct && ct_len == 8 + 2 * STRIDE, "two full segments");
    if (!ct) {
        return;
    }
    decrypt(p, key, SEG, SEG, ct, 8 + STRIDE, 0, -1, 0, 0, &r);
    PT_OK(failed_with(&r, "segment 0 of", plain, 0),
          "second segment cut off and the size shrunk to match: segment 0 "
          "is not flagged last");
    decrypt(p, key, SEG, (apr_off_t)n, ct, 8 + STRIDE, 0, -1, 0, 0, &r);
    PT_OK(failed_with(&r, "truncated", plain, SEG),
          "second segment cut off, true size: truncated");
}

static void test_states(apr_pool_t *p)
{
    unsigned char key[PT_FC_KEY_BYTES], *plain = apr_palloc(p, 3 * SEG);
    pt_fc_enc_t *enc = NULL;
    pt_fc_dec_t *dec = NULL;
    apr_off_t cto = 0, ctl = 0;
    unsigned char *ct;
    apr_size_t ct_len = 0;
    pt_err_t err;
    sink_t s;

    memset(&err, 0, sizeof(err));
    fixed_key(key, 11);
    fill_bytes(plain, 3 * SEG, 11);

    sink_init(p, &s, 10 * SEG);
    s.fail_with = APR_ENOSPC;
    PT_OK(pt_fc_enc_create(p, key, sink_fn, &s, &enc, &err) == APR_SUCCESS
          && pt_fc_enc_write(enc, (const char *)plain, 2 * SEG, &err)
             == APR_ENOSPC && has(&err, "writing the encrypted data failed"),
          "encryption: the sink's status is returned");
    err.what = NULL;
    PT_OK(pt_fc_enc_write(enc, "x", 1, &err) == APR_ENOSPC && err.what
          && pt_fc_enc_finish(enc, &err) == APR_ENOSPC,
          "encryption: and the encryptor stays failed");

    PT_OK(pt_fc_enc_create_ex(p, key, 8, sink_fn, &s, &enc, &err)
          == APR_EINVAL && enc == NULL && has(&err, "segment size 8"),
          "segment size below the minimum refused");

    ct = encrypt(p, key, SEG, plain, 3 * SEG, odd_chunks, &ct_len);
    if (!ct) {
        PT_OK(0, "states: encryption");
        return;
    }
    sink_init(p, &s, 10 * SEG);
    s.fail_with = APR_ECONNABORTED;
    PT_OK(pt_fc_dec_create(p, key, 3 * SEG, 0, -1, sink_fn, &s, &dec, &cto,
                           &ctl, &err) == APR_SUCCESS
          && pt_fc_dec_write(dec, (const char *)ct, ct_len, &err)
             == APR_ECONNABORTED,
          "decryption: the sink's status is returned");
    PT_OK(pt_fc_dec_finish(dec, &err) == APR_ECONNABORTED,
          "decryption: and the decryptor stays failed");

    sink_init(p, &s, 10 * SEG);
    ct[100] ^= 1;
    PT_OK(pt_fc_dec_create(p, key, 3 * SEG, 0, -1, sink_fn, &s, &dec, &cto,
                           &ctl, &err) == APR_SUCCESS
          && pt_fc_dec_write(dec, (const char *)ct, 200, &err) == APR_SUCCESS
          && pt_fc_dec_write(dec, (const char *)ct + 200, ct_len - 200, &err)
             == APR_EGENERAL && s.calls == 0,
          "decryption: authentication failure");
    err.what = NULL;
    PT_OK(pt_fc_dec_write(dec, "", 0, &err) == APR_EGENERAL
          && has(&err, "segment 0 of")
          && pt_fc_dec_finish(dec, &err) == APR_EGENERAL,
          "decryption: and the decryptor stays failed with the same error");
    ct[100] ^= 1;

    sink_init(p, &s, 10 * SEG);
    PT_OK(pt_fc_dec_create(p, key, 3 * SEG, 0, -1, sink_fn, &s, &dec, &cto,
                           &ctl, &err) == APR_SUCCESS
          && pt_fc_dec_write(dec, (const char *)ct, ct_len, &err)
             == APR_SUCCESS
          && pt_fc_dec_finish(dec, &err) == APR_SUCCESS
          && pt_fc_dec_write(dec, "", 0, &err) == APR_EINVAL
          && pt_fc_dec_finish(dec, &err) == APR_EINVAL,
          "decryption: use after finish is refused");
    PT_OK(pt_fc_dec_create(p, key, -1, 0, -1, sink_fn, &s, &dec, &cto,
                           &ctl, &err) == APR_EINVAL && dec == NULL,
          "negative plain_size refused");
}

/* ------------------------------------------------------------ key wrap */

static void test_wrap(apr_pool_t *p)
{
    static const char kat[] =
        "2024-a:ERERERERERERERERMzxwpm7yFfJbnMLSwf8p53EM0XRgtXbCZSyoDDHCb0pw"
        "DB0MVJGWGlQMr1uNoKU3";
    static const char *uuid = "6f1c2b1e-9a3d-4c1e-8b7a-2d4f5e6a7b8c";
    unsigned char m1[32], m2[32], dk[PT_FC_KEY_BYTES];
    unsigned char out[PT_FC_KEY_BYTES], ff[PT_FC_KEY_BYTES];
    const char *w, *w2, *b64;
    char *t;
    pt_err_t err;
    int i, bad;

    memset(&err, 0, sizeof(err));
    fixed_key(m1, 32);
    fixed_key(m2, 33);
    fixed_key(dk, 0);
    memset(ff, 0xff, sizeof(ff));

    /* known answer from an independent AES-GCM (Python cryptography) */
    memset(out, 0xff, sizeof(out));
    PT_OK(pt_fc_unwrap(p, kat, m1, uuid, out, &err) == APR_SUCCESS
          && !memcmp(out, dk, sizeof(dk)),
          "known wrapped key opens to the right key");
    PT_IS_STR(pt_fc_wrapped_kid(p, kat), "2024-a", "its kid");

    w = pt_fc_wrap(p, "k1", m1, dk, uuid);
    PT_OK(w && !strncmp(w, "k1:", 3) && strlen(w) == 3 + 80,
          "wrapped: \"k1:\" + 80 base64url characters");
    PT_IS_STR(pt_fc_wrapped_kid(p, w), "k1", "pt_fc_wrapped_kid");
    memset(out, 0, sizeof(out));
    PT_OK(pt_fc_unwrap(p, w, m1, uuid, out, &err) == APR_SUCCESS
          && !memcmp(out, dk, sizeof(dk)), "round trip");
    w2 = pt_fc_wrap(p, "k1", m1, dk, uuid);
    PT_OK(w2 && strcmp(w, w2) != 0, "a random nonce each time");

    memset(out, 0xff, sizeof(out));
    PT_OK(pt_fc_unwrap(p, w, m2, uuid, out, &err) == APR_EGENERAL
          && has(&err, "does not open with master key \"k1\"")
          && !memcmp(out, ff, sizeof(ff)),
          "wrong master key: refused, output untouched");
    PT_OK(pt_fc_unwrap(p, w, m1, "6f1c2b1e-9a3d-4c1e-8b7a-2d4f5e6a7b8d", out,
                       &err) == APR_EGENERAL, "wrong context refused");
    PT_OK(pt_fc_unwrap(p, w, m1, "", out, &err) == APR_EGENERAL,
          "empty context refused");
    t = apr_pstrdup(p, w);
    t[1] = '2';
    PT_OK(pt_fc_unwrap(p, t, m1, uuid, out, &err) == APR_EGENERAL,
          "another kid in front refused (the kid is authenticated)");
    t = apr_pstrdup(p, w);
    t[3 + 40] = t[3 + 40] == 'A' ? 'B' : 'A';
    PT_OK(pt_fc_unwrap(p, t, m1, uuid, out, &err) == APR_EGENERAL,
          "a modified character refused");
    PT_OK(!memcmp(out, ff, sizeof(ff)), "output untouched by failures");

    w2 = pt_fc_wrap(p, "k1", m1, dk, NULL);
    PT_OK(w2 && pt_fc_unwrap(p, w2, m1, "", out, &err) == APR_SUCCESS
          && !memcmp(out, dk, sizeof(dk)), "NULL context is \"\"");

    b64 = w + 3;
    {
        const char *malformed[] = {
            "", "k1", ":", "k1:", apr_pstrcat(p, ":", b64, NULL),
            apr_pstrcat(p, "k 1:", b64, NULL),
            apr_pstrcat(p, "k1::", b64, NULL),
            apr_pstrcat(p, "k.1:", b64, NULL),
            apr_pstrcat(p, "k1:", b64, "A", NULL),
            apr_pstrcat(p, "k1:", b64, "AAAA", NULL),
            apr_pstrcat(p, "k1:", b64, "=", NULL),
            apr_pstrcat(p, "k1:", apr_pstrndup(p, b64, 79), NULL),
            apr_pstrcat(p, "k1:", apr_pstrndup(p, b64, 76), NULL),
            apr_pstrcat(p, "k1:+", b64 + 1, NULL),
            apr_pstrcat(p, "123456789012345678901234567890123:", b64, NULL),
        };

        bad = 0;
        for (i = 0; i < (int)(sizeof(malformed) / sizeof(malformed[0]));
             i++) {
            err.what = NULL;
            if (pt_fc_unwrap(p, malformed[i], m1, uuid, out, &err)
                    != APR_EINVAL
                || !has(&err, "malformed")
                || pt_fc_wrapped_kid(p, malformed[i]) != NULL) {
                printf("#   accepted: '%s'\n", malformed[i]);
                bad++;
            }
        }
        PT_OK(!bad && pt_fc_wrapped_kid(p, NULL) == NULL
              && pt_fc_unwrap(p, NULL, m1, uuid, out, &err) == APR_EINVAL,
              "%d malformed wrapped keys refused", i);
    }

    w = pt_fc_wrap(p, "12345678901234567890123456789012", m1, dk, uuid);
    PT_OK(w && pt_fc_unwrap(p, w, m1, uuid, out, &err) == APR_SUCCESS,
          "a 32-character kid works");
    w = pt_fc_wrap(p, "Key_2024-b", m1, dk, uuid);
    PT_IS_STR(pt_fc_wrapped_kid(p, w), "Key_2024-b", "'_' and '-' in a kid");
    PT_OK(!pt_fc_wrap(p, "", m1, dk, uuid)
          && !pt_fc_wrap(p, NULL, m1, dk, uuid)
          && !pt_fc_wrap(p, "a:b", m1, dk, uuid)
          && !pt_fc_wrap(p, "a b", m1, dk, uuid)
          && !pt_fc_wrap(p, "123456789012345678901234567890123", m1, dk,
                         uuid),
          "invalid kids are refused by pt_fc_wrap");
    PT_OK(pt_fc_kid_valid("a") && !pt_fc_kid_valid("\xc3\xa4")
          && !pt_fc_kid_valid("a/b"), "pt_fc_kid_valid");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_sizes();
    test_format(p);
    test_round_trips(p);
    test_emission(p);
    test_big(p);
    test_all_ranges(p);
    test_ranges(p);
    test_zero_length(p);
    test_tamper(p);
    test_boundary_truncation(p);
    test_states(p);
    test_wrap(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
