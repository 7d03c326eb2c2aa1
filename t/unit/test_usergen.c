/*
 * test_usergen.c -- the user generator (pt_usergen) and the CSV writer
 * (pt_csvout): the documented ChaCha20 stream (checked against python3's
 * cryptography), reproducibility, every field valid and strong, unique
 * usernames and emails, plausible names and addresses, 100,000 users
 * written and read back (by pt_usercsv and by python3's csv module), and
 * RFC 4180 quoting.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_time.h>

#include "pt_test.h"
#include "pt_test_run.h"
#include "pt_csvout.h"
#include "pt_strength.h"
#include "pt_usercsv.h"
#include "pt_usergen.h"
#include "pt_validate.h"

static const char *tmpdir;

/* ------------------------------------------------------------ the PRNG */

static void test_prng(apr_pool_t *p)
{
    pt_prng_t *r;
    const char *out, *mine = "";
    int i, st, buckets[10] = { 0 }, ok = 1;

    PT_OK(pt_prng_new(p, "42", 2, &r) == APR_SUCCESS, "prng set up");
    for (i = 0; i < 16; i++) {
        mine = apr_psprintf(p, "%s%s%u", mine, i ? " " : "", pt_prng_u32(r));
    }
    /* The documented construction, computed independently. */
    st = pt_run(p, apr_psprintf(p, "%s -c '"
        "import hashlib, struct\n"
        "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms\n"
        "key = hashlib.sha256(b\"mod_portal usergen v1\\0\" + b\"42\").digest()\n"
        "enc = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()\n"
        "ks = enc.update(bytes(64))\n"
        "print(\" \".join(str(x) for x in struct.unpack(\"<16I\", ks)))\n"
        "'", pt_python()), &out);
    PT_OK(st == 0, "python3 computed the stream");
    PT_IS_STR(mine, out, "the PRNG is ChaCha20 under SHA-256(label || seed),"
              " read as little-endian u32, as documented");

    pt_prng_new(p, "x", 1, &r);
    for (i = 0; i < 100000; i++) {
        apr_uint32_t v = pt_prng_below(r, 10);

        if (v >= 10) {
            ok = 0;
        }
        else {
            buckets[v]++;
        }
    }
    for (i = 0; i < 10; i++) {
        if (buckets[i] < 9500 || buckets[i] > 10500) {
            ok = 0;
        }
    }
    PT_OK(ok, "below(10) stays below 10 and is flat (each bucket 10000 +- 5%%)");
    PT_OK(pt_prng_below(r, 1) == 0 && pt_prng_below(r, 0) == 0,
          "below(1) and below(0) are 0");
}

/* ------------------------------------------------------------ users */

static int same_user(const pt_gen_user_t *a, const pt_gen_user_t *b)
{
    return !strcmp(a->username, b->username)
           && !strcmp(a->first_name, b->first_name)
           && !strcmp(a->last_name, b->last_name)
           && !strcmp(a->password, b->password)
           && !strcmp(a->email, b->email)
           && !strcmp(a->address, b->address);
}

static void test_reproducible(apr_pool_t *p)
{
    pt_usergen_t *g1, *g2, *g3;
    pt_gen_user_t a, b, c;
    pt_err_t err = { 0 };
    int i, same = 1, differ = 0;

    pt_usergen_new(p, "seed-1", &g1, &err);
    pt_usergen_new(p, "seed-1", &g2, &err);
    pt_usergen_new(p, "seed-2", &g3, &err);
    for (i = 0; i < 2000; i++) {
        pt_usergen_next(g1, p, &a, &err);
        pt_usergen_next(g2, p, &b, &err);
        pt_usergen_next(g3, p, &c, &err);
        same &= same_user(&a, &b);
        differ += !strcmp(a.password, c.password);
    }
    PT_OK(same, "the same seed gives the same 2000 users");
    PT_OK(differ == 0, "another seed gives other passwords (%d equal)",
          differ);
    PT_OK(pt_usergen_count(g1) == 2000, "count");
}

/* 1 when s ends with ", XX NNNNN" and starts with a number and a space. */
static int address_like(const char *s)
{
    apr_size_t n = strlen(s);
    int i;

    if (n < 12 || s[0] < '1' || s[0] > '9' || !strchr(s, ' ')) {
        return 0;
    }
    for (i = 1; i <= 5; i++) {
        if (s[n - i] < '0' || s[n - i] > '9') {
            return 0;
        }
    }
    return s[n - 6] == ' ' && s[n - 9] == ' ' && s[n - 10] == ','
           && s[n - 8] >= 'A' && s[n - 8] <= 'Z';
}

static int classes_ok(const char *pw)
{
    return strlen(pw) == PT_USERGEN_PASSWORD_LEN
           && ((pw[0] >= 'A' && pw[0] <= 'Z') || (pw[0] >= 'a' && pw[0] <= 'z'))
           && strpbrk(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
           && strpbrk(pw, "abcdefghijklmnopqrstuvwxyz")
           && strpbrk(pw, "0123456789") && strpbrk(pw, "!#$%&*+-=?@_");
}

static void test_fields(apr_pool_t *p)
{
    enum { N = 20000 };
    pt_usergen_t *g;
    pt_err_t err = { 0 };
    apr_hash_t *users = apr_hash_make(p), *emails = apr_hash_make(p);
    apr_hash_t *firsts = apr_hash_make(p), *domains = apr_hash_make(p);
    apr_pool_t *row;
    int i, bad_valid = 0, bad_strength = 0, dup = 0, bad_addr = 0;
    int bad_pw = 0, not_example = 0, from_name = 0, utf8_names = 0;
    const char *first_bad = NULL;

    pt_usergen_new(p, "fields", &g, &err);
    apr_pool_create(&row, p);
    for (i = 0; i < N; i++) {
        pt_gen_user_t u;
        const char *words[5], *ulc, *elc, *at, *why;
        pt_strength_t st;

        apr_pool_clear(row);
        pt_usergen_next(g, row, &u, &err);
        why = pt_validate_username(u.username);
        why = why ? why : pt_validate_email(u.email);
        why = why ? why : pt_validate_name(u.first_name);
        why = why ? why : pt_validate_name(u.last_name);
        why = why ? why : pt_validate_address(u.address);
        why = why ? why : pt_validate_password(u.password, u.username);
        if (why) {
            bad_valid++;
            if (!first_bad) {
                first_bad = apr_psprintf(p, "%s / %s: %s", u.username,
                                         u.email, why);
            }
        }
        words[0] = u.username;
        words[1] = u.first_name;
        words[2] = u.last_name;
        words[3] = u.email;
        words[4] = NULL;
        if (pt_strength_check(row, u.password, words,
                              PT_STRENGTH_DEFAULT_BITS, &st, &err)
            != APR_SUCCESS) {
            bad_strength++;
        }
        bad_pw += !classes_ok(u.password);
        ulc = pt_ascii_lower(p, u.username);
        elc = pt_ascii_lower(p, u.email);
        dup += apr_hash_get(users, ulc, APR_HASH_KEY_STRING) != NULL;
        dup += apr_hash_get(emails, elc, APR_HASH_KEY_STRING) != NULL;
        apr_hash_set(users, ulc, APR_HASH_KEY_STRING, "");
        apr_hash_set(emails, elc, APR_HASH_KEY_STRING, "");
        apr_hash_set(firsts, apr_pstrdup(p, u.first_name),
                     APR_HASH_KEY_STRING, "");
        at = strchr(u.email, '@');
        if (at) {
            apr_size_t dl = strlen(at + 1);

            apr_hash_set(domains, apr_pstrdup(p, at + 1),
                         APR_HASH_KEY_STRING, "");
            not_example += !(dl >= 11
                             && (!strcmp(at + 1 + dl - 11, "example.com")
                                 || !strcmp(at + 1 + dl - 11, "example.net")
                                 || !strcmp(at + 1 + dl - 11, "example.org")));
        }
        bad_addr += !address_like(u.address);
        {
            /* the username comes from the person's names */
            const char *l = pt_ascii_lower(row, u.last_name);
            char lp[4];

            apr_cpystrn(lp, l, sizeof(lp));
            from_name += strstr(ulc, lp) != NULL
                         || strstr(ulc, pt_ascii_lower(row, u.first_name))
                            != NULL;
        }
        utf8_names += strpbrk(u.first_name, "\xc3") != NULL
                      || strpbrk(u.last_name, "\xc3'") != NULL;
    }
    PT_OK(bad_valid == 0, "every field of %d users passes pt_validate_* "
          "(%d fail; first: %s)", N, bad_valid, first_bad ? first_bad : "-");
    PT_OK(bad_strength == 0, "every password passes pt_strength_check at %g"
          " bits with the user's own words (%d fail)",
          PT_STRENGTH_DEFAULT_BITS, bad_strength);
    PT_OK(bad_pw == 0, "every password: 16 characters, starts with a letter,"
          " has upper, lower, digit and symbol (%d fail)", bad_pw);
    PT_OK(dup == 0, "usernames and emails are unique without regard to case"
          " (%d duplicates)", dup);
    PT_OK(not_example == 0, "every email is under example.com/.net/.org "
          "(%d not)", not_example);
    PT_OK(apr_hash_count(domains) >= 10, "a dozen domains (%u)",
          apr_hash_count(domains));
    PT_OK(bad_addr == 0, "every address looks like \"12 Oak Lane, Town, ST "
          "01234\" (%d do not)", bad_addr);
    PT_OK(apr_hash_count(firsts) >= 380, "hundreds of given names are used "
          "(%u)", apr_hash_count(firsts));
    PT_OK(from_name > N * 95 / 100, "usernames come from the names (%d of "
          "%d)", from_name, N);
    PT_OK(utf8_names > 0, "some names carry an apostrophe or a letter "
          "outside ASCII (%d)", utf8_names);
}

/* ------------------------------------------------------------ files */

typedef struct count_t {
    pt_ucheck_t *chk;
    apr_pool_t *scratch;
    apr_int64_t rows, failed;
    const char *first_reason;
    const char *first_row;      /* "username,password,address" of row 1 */
} count_t;

static apr_status_t count_row(void *baton, pt_user_row_t *row)
{
    count_t *c = baton;

    apr_pool_clear(c->scratch);
    if (pt_ucheck_row(c->chk, c->scratch, row)) {
        if (!c->failed++) {
            c->first_reason = apr_pstrdup(apr_pool_parent_get(c->scratch),
                                          row->reason);
        }
    }
    if (!c->rows++) {
        c->first_row = apr_pstrcat(apr_pool_parent_get(c->scratch),
                                   row->username, ",", row->password, ",",
                                   row->address, NULL);
    }
    return APR_SUCCESS;
}

static const char *write_users(apr_pool_t *p, const char *name,
                               const char *seed, int n, double *secs)
{
    const char *path = apr_pstrcat(p, tmpdir, "/", name, NULL);
    pt_usergen_t *g;
    apr_file_t *f;
    pt_err_t err = { 0 };
    apr_time_t t0;
    apr_status_t rv;

    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                  | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p);
    t0 = apr_time_now();
    pt_usergen_new(p, seed, &g, &err);
    rv = pt_usergen_write(g, f, n, 1, &err);
    apr_file_close(f);
    if (secs) {
        *secs = (double)(apr_time_now() - t0) / APR_USEC_PER_SEC;
    }
    return rv == APR_SUCCESS ? path : NULL;
}

static void test_file(apr_pool_t *p)
{
    double secs = 0;
    const char *path = write_users(p, "users.csv", "bench", 100000, &secs);
    const char *small, *big, *out, *cmd;
    count_t c;
    pt_usercsv_t *r;
    pt_err_t err = { 0 };
    apr_status_t rv;
    char *a, *b;
    apr_size_t alen, blen;
    apr_file_t *f;
    int st;

    PT_OK(path != NULL, "100,000 users written");
    printf("# generator: 100,000 users written in %.2f s\n", secs);
    PT_OK(secs < 5.0, "in under 5 s (%.2f s)", secs);

    memset(&c, 0, sizeof(c));
    apr_pool_create(&c.scratch, p);
    c.chk = pt_ucheck_make(p, 0);       /* strength was checked above */
    rv = pt_usercsv_read_file(p, path, count_row, &c, &r, &err);
    PT_OK(rv == APR_SUCCESS, "the file reads back (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    PT_OK(c.rows == 100000 && c.failed == 0, "100,000 rows, all valid and "
          "none a duplicate of another (%" APR_INT64_T_FMT " rows, %"
          APR_INT64_T_FMT " failed: %s)", c.rows, c.failed,
          c.first_reason ? c.first_reason : "-");

    /* python3's csv module reads the same file the same way */
    cmd = apr_psprintf(p, "%s -c '"
        "import csv, sys\n"
        "rows = list(csv.DictReader(open(sys.argv[1], newline=\"\", encoding=\"utf-8\")))\n"
        "r = rows[0]\n"
        "print(len(rows), r[\"username\"] + \",\" + r[\"password\"] + \",\" + r[\"address\"])\n"
        "' %s", pt_python(), path);
    st = pt_run(p, cmd, &out);
    PT_OK(st == 0, "python3 read it");
    PT_IS_STR(out, apr_psprintf(p, "100000 %s", c.first_row ? c.first_row
                                                            : "-"),
              "python3's csv module sees the same rows");
    cmd = apr_psprintf(p, "head -n 1 %s | tr '\\r' '~'", path);
    pt_run(p, cmd, &out);
    PT_IS_STR(out, "username,first_name,last_name,password,email,address~",
              "the Flask columns, in order, CRLF");

    /* the first N users of a longer run are those of a run of N */
    small = write_users(p, "small.csv", "prefix", 150, NULL);
    big = write_users(p, "big.csv", "prefix", 300, NULL);
    pt_file_read(p, small, &a, &alen, 1 << 20, &err);
    pt_file_read(p, big, &b, &blen, 1 << 20, &err);
    PT_OK(alen > 0 && blen > alen && !memcmp(a, b, alen),
          "150 users are the first 150 of 300 with the same seed");

    /* in slices, with the header once, is the same file */
    {
        const char *path2 = apr_pstrcat(p, tmpdir, "/sliced.csv", NULL);
        pt_usergen_t *g;
        char *s;
        apr_size_t slen;

        apr_file_open(&f, path2, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p);
        pt_usergen_new(p, "prefix", &g, &err);
        pt_usergen_write(g, f, 100, 1, &err);
        pt_usergen_write(g, f, 200, 0, &err);
        apr_file_close(f);
        pt_file_read(p, path2, &s, &slen, 1 << 20, &err);
        PT_OK(slen == blen && !memcmp(s, b, blen),
              "written in two slices: the same bytes");
    }
}

/* ------------------------------------------------------------ writer */

static void test_csvout(apr_pool_t *p)
{
    pt_buf_t b;
    const char *f1[] = { "plain", "a,b", "say \"hi\"", "two\r\nlines",
                         " lead", "trail\t", "", NULL };
    const char *f2[] = { "=SUM(A1)", "+1", "-x", "@cmd", "ok", "=a,\"b\"" };
    const char *big[] = { "0123456789" };

    pt_buf_init(&b, p, 16, 1024);
    PT_OK(pt_csv_row(&b, f1, 8, 0) == APR_SUCCESS, "a row");
    PT_IS_STR(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\","
              "\" lead\",\"trail\t\",,\r\n",
              "RFC 4180: quoted where needed, quotes doubled, NULL empty, "
              "CRLF");
    pt_buf_init(&b, p, 16, 1024);
    pt_csv_row(&b, f2, 6, PT_CSV_FORMULA_GUARD);
    PT_IS_STR(b.data, "\"'=SUM(A1)\",\"'+1\",\"'-x\",\"'@cmd\",ok,"
              "\"'=a,\"\"b\"\"\"\r\n",
              "the formula guard puts a quote before = + - @");
    pt_buf_init(&b, p, 16, 1024);
    pt_csv_row(&b, f2, 6, 0);
    PT_IS_STR(b.data, "=SUM(A1),+1,-x,@cmd,ok,\"=a,\"\"b\"\"\"\r\n",
              "without it the data is unchanged");
    {
        const char *one[] = { "" };

        pt_buf_init(&b, p, 16, 1024);
        pt_csv_row(&b, one, 1, 0);
        PT_IS_STR(b.data, "\"\"\r\n", "a record of one empty field is "
                  "written \"\" (an empty line would be no record)");
    }
    pt_buf_init(&b, p, 16, 15);
    pt_csv_row(&b, big, 1, 0);
    PT_OK(pt_csv_row(&b, big, 1, 0) == APR_ENOSPC && b.len == 12
          && !strcmp(b.data, "0123456789\r\n"),
          "a record past the buffer's maximum: APR_ENOSPC, nothing of it "
          "kept");
}

int main(void)
{
    apr_pool_t *p;
    char tmpl[] = "/tmp/pt_usergen.XXXXXX";

    apr_initialize();
    apr_pool_create(&p, NULL);
    tmpdir = mkdtemp(tmpl);
    test_prng(p);
    test_reproducible(p);
    test_fields(p);
    test_file(p);
    test_csvout(p);
    {
        const char *ignored;

        pt_run(p, apr_psprintf(p, "rm -rf %s", tmpdir), &ignored);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
