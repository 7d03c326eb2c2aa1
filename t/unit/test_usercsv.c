/*
 * test_usercsv.c -- reading users.csv (pt_usercsv), checking its rows with
 * sign-up's rules (pt_ucheck), and the failure report (pt_ufail): header
 * in any order, extra columns, BOM, CRLF/LF, quoted commas, quotes and
 * line breaks, line numbers, chunks split anywhere, the errors that stop
 * a file, duplicates within the file, every kind of hash the import takes,
 * and a report that reads back.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include <crypt.h>

#include "pt_test.h"
#include "pt_test_run.h"
#include "pt_password.h"
#include "pt_strength.h"
#include "pt_usercsv.h"

static const char *tmpdir;

/* Every row read, as text: "line|reason|f1|f2|...". */
typedef struct collect_t {
    apr_pool_t *p;
    pt_ucheck_t *chk;           /* NULL: rows are not checked */
    apr_array_header_t *rows;   /* const char * */
    apr_array_header_t *copies; /* pt_user_row_t * */
} collect_t;

static apr_status_t collect(void *baton, pt_user_row_t *row)
{
    collect_t *c = baton;
    const char *s;
    int i;

    if (c->chk) {
        pt_ucheck_row(c->chk, c->p, row);
    }
    s = apr_psprintf(c->p, "%" APR_INT64_T_FMT "|%s", row->line,
                     row->reason ? row->reason : "");
    for (i = 0; i < row->nfields; i++) {
        s = apr_pstrcat(c->p, s, "|", row->fields[i], NULL);
    }
    APR_ARRAY_PUSH(c->rows, const char *) = s;
    APR_ARRAY_PUSH(c->copies, pt_user_row_t *) = pt_user_row_copy(c->p, row);
    return APR_SUCCESS;
}

static collect_t *collector(apr_pool_t *p, double floor, int check)
{
    collect_t *c = apr_pcalloc(p, sizeof(*c));

    c->p = p;
    c->chk = check ? pt_ucheck_make(p, floor) : NULL;
    c->rows = apr_array_make(p, 8, sizeof(const char *));
    c->copies = apr_array_make(p, 8, sizeof(pt_user_row_t *));
    return c;
}

/* Read src in chunks of `step` bytes (0: whole). */
static apr_status_t read_str(collect_t *c, const char *src, apr_size_t len,
                             apr_size_t step, pt_usercsv_t **out,
                             pt_err_t *err)
{
    pt_usercsv_t *r = pt_usercsv_make(c->p, collect, c);
    apr_size_t off = 0;
    apr_status_t rv = APR_SUCCESS;

    if (out) {
        *out = r;
    }
    if (step == 0) {
        step = len ? len : 1;
    }
    while (off < len && rv == APR_SUCCESS) {
        apr_size_t n = len - off < step ? len - off : step;

        rv = pt_usercsv_feed(r, src + off, n, err);
        off += n;
    }
    return rv == APR_SUCCESS ? pt_usercsv_finish(r, err) : rv;
}

static const char *row_at(collect_t *c, int i)
{
    return i < c->rows->nelts ? APR_ARRAY_IDX(c->rows, i, const char *)
                              : "(none)";
}

/* ------------------------------------------------------------ reading */

static const char tricky[] =
    "\xEF\xBB\xBF" "Email , USERNAME,extra,first_name,last_name,address,"
    "password\r\n"
    "ada@example.org,ada,x,Ada,Lovelace,\"12 Oak Lane, Apt 3\",pw1\r\n"
    "\r\n"
    "bob@example.org,bob,,Bob,\"O'Brien \"\"Bobby\"\"\",\"line one\n"
    "line two\",pw2\n"
    "  \n"
    "cy@example.org,cy,y,Cy, Lead and trail ,addr,pw3\n"
    "d@example.org,d,z,D,E,F,pw4";           /* no line break at the end */

static void test_read(apr_pool_t *p)
{
    collect_t *c = collector(p, 0, 0);
    pt_err_t err = { 0 };
    pt_usercsv_t *r;
    const char *const *cols;
    const char *whole = NULL;
    apr_size_t step;
    int n, same = 1;
    apr_status_t rv;

    rv = read_str(c, tricky, sizeof(tricky) - 1, 0, &r, &err);
    PT_OK(rv == APR_SUCCESS, "a tricky file reads (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    PT_OK(c->rows->nelts == 4, "four rows (%d)", c->rows->nelts);
    PT_IS_STR(row_at(c, 0), "2||ada@example.org|ada|x|Ada|Lovelace|"
              "12 Oak Lane, Apt 3|pw1",
              "BOM, CRLF and a quoted comma; the line of the row");
    PT_IS_STR(row_at(c, 1), "4||bob@example.org|bob||Bob|O'Brien \"Bobby\"|"
              "line one\nline two|pw2",
              "after a blank line: doubled quotes and a line break in "
              "quotes, LF");
    PT_IS_STR(row_at(c, 2), "7||cy@example.org|cy|y|Cy| Lead and trail |"
              "addr|pw3",
              "line numbers count the line break inside quotes and the "
              "blank line; spaces stay in fields");
    PT_IS_STR(row_at(c, 3), "8||d@example.org|d|z|D|E|F|pw4",
              "the last row needs no line break");
    cols = pt_usercsv_columns(r, &n);
    PT_OK(n == 7 && cols && !strcmp(cols[0], "Email")
          && !strcmp(cols[1], "USERNAME"),
          "the header as written, blanks trimmed");
    if (c->copies->nelts == 4) {
        pt_user_row_t *u = APR_ARRAY_IDX(c->copies, 0, pt_user_row_t *);

        PT_OK(!strcmp(u->username, "ada") && !strcmp(u->email,
              "ada@example.org") && !strcmp(u->address, "12 Oak Lane, Apt 3")
              && !strcmp(u->password, "pw1") && u->password_hash == NULL,
              "columns found by name in any order and case; no hash "
              "column: NULL");
    }

    /* any split of the bytes gives the same rows */
    for (step = 1; step <= 40; step++) {
        collect_t *c2 = collector(p, 0, 0);
        const char *all = "";
        int i;

        rv = read_str(c2, tricky, sizeof(tricky) - 1, step, NULL, &err);
        for (i = 0; i < c2->rows->nelts; i++) {
            all = apr_pstrcat(p, all, row_at(c2, i), "\n", NULL);
        }
        if (!whole) {
            whole = all;
        }
        same &= rv == APR_SUCCESS && !strcmp(all, whole)
                && c2->rows->nelts == 4;
    }
    PT_OK(same, "fed 1 to 40 bytes at a time: the same rows");

    c = collector(p, 0, 0);
    rv = read_str(c, "username,email,first_name,last_name,address,"
                  "password_hash\na,b\nu,e,f,l,a,h,extra\n",
                  80, 0, NULL, &err);
    PT_OK(rv == APR_SUCCESS && c->rows->nelts == 2,
          "rows of the wrong length are passed on");
    PT_IS_STR(row_at(c, 0), "2|the row has 2 fields, the header 6|a|b",
              "a short row carries its reason");
    PT_IS_STR(row_at(c, 1), "3|the row has 7 fields, the header 6|u|e|f|l|"
              "a|h|extra", "a long one too");
}

/* The error a file stops with: "line N: what". */
static const char *error_of(apr_pool_t *p, const char *src, apr_size_t len)
{
    collect_t *c = collector(p, 0, 0);
    pt_err_t err = { 0 };

    if (read_str(c, src, len, 7, NULL, &err) == APR_SUCCESS) {
        return "(read)";
    }
    return apr_psprintf(p, "%d: %s", err.line, err.what);
}

#define HDR "username,email,first_name,last_name,address,password\n"
#define ERR_OF(lit) error_of(p, lit, sizeof(lit) - 1)

static void test_errors(apr_pool_t *p)
{
    char *big, *wide;
    int i;

    PT_IS_STR(ERR_OF(""), "0: no header line (username, email, "
              "first_name, last_name, address, password or password_hash)",
              "an empty file");
    PT_IS_STR(ERR_OF("username,email,first_name,last_name,password\n"
                       "a,b,c,d,e\n"),
              "1: the header has no \"address\" column (it needs username, "
              "email, first_name, last_name, address, and password or "
              "password_hash)", "a missing column is named");
    PT_IS_STR(ERR_OF("username,email,first_name,last_name,address\n"),
              "1: the header has neither a \"password\" nor a"
              " \"password_hash\" column", "no password column");
    PT_IS_STR(ERR_OF("username,email,first_name,last_name,address,"
                       "password,Email\n"),
              "1: the header names the column \"Email\" twice",
              "a column twice");
    PT_IS_STR(ERR_OF(HDR "a,b,c,d,e,f\na,b\"c,d,e,f,g\n"),
              "3: a stray quote (a quote inside a field that does not start "
              "with one, or text after a closing quote)",
              "a stray quote, with its line");
    PT_IS_STR(ERR_OF(HDR "a,\"b\"x,c,d,e,f\n"),
              "2: a stray quote (a quote inside a field that does not start "
              "with one, or text after a closing quote)",
              "text after a closing quote");
    PT_IS_STR(ERR_OF(HDR "a,b,c,d,\"e\nf\n"),
              "2: a quoted field is not closed at the end of the file",
              "an open quote at the end names the row's first line");
    PT_IS_STR(ERR_OF(HDR "a,b\0c,d,e,f\n"),
              "2: a NUL byte: not a text file", "a NUL byte");
    big = apr_pstrdup(p, HDR "a,");
    {
        char *f = apr_palloc(p, PT_USERCSV_MAX_FIELD + 2);

        memset(f, 'x', PT_USERCSV_MAX_FIELD + 1);
        f[PT_USERCSV_MAX_FIELD + 1] = '\0';
        big = apr_pstrcat(p, big, f, ",c,d,e,f\n", NULL);
    }
    PT_IS_STR(error_of(p, big, strlen(big)), apr_psprintf(p, "2: a field "
              "longer than %d bytes", PT_USERCSV_MAX_FIELD),
              "a field over the limit");
    wide = apr_pstrdup(p, HDR);
    wide[strlen(wide) - 1] = '\0';
    for (i = 0; i < PT_USERCSV_MAX_COLUMNS; i++) {
        wide = apr_psprintf(p, "%s,x%d", wide, i);
    }
    wide = apr_pstrcat(p, wide, "\n", NULL);
    PT_IS_STR(error_of(p, wide, strlen(wide)), apr_psprintf(p, "1: the "
              "header has more than %d columns", PT_USERCSV_MAX_COLUMNS),
              "too many columns");
}

/* ------------------------------------------------------------ checks */

/* werkzeug's scrypt format, made by python3's hashlib as werkzeug does. */
static const char *werkzeug_scrypt(apr_pool_t *p, const char *pw)
{
    const char *out;
    int st = pt_run(p, apr_psprintf(p, "%s -c '"
        "import hashlib, sys\n"
        "pw = sys.argv[1].encode(); salt = \"Zq3kP9vLmN2xR7tY\"\n"
        "h = hashlib.scrypt(pw, salt=salt.encode(), n=32768, r=8, p=1,"
        " maxmem=132 * 32768 * 8, dklen=64)\n"
        "print(\"scrypt:32768:8:1$\" + salt + \"$\" + h.hex())\n"
        "' '%s'", pt_python(), pw), &out);

    return st == 0 ? out : "(python failed)";
}

static const char *werkzeug_pbkdf2(apr_pool_t *p, const char *pw)
{
    const char *out;
    int st = pt_run(p, apr_psprintf(p, "%s -c '"
        "import hashlib, sys\n"
        "salt = \"a1B2c3D4e5F6g7H8\"\n"
        "h = hashlib.pbkdf2_hmac(\"sha256\", sys.argv[1].encode(),"
        " salt.encode(), 1000)\n"
        "print(\"pbkdf2:sha256:1000$\" + salt + \"$\" + h.hex())\n"
        "' '%s'", pt_python(), pw), &out);

    return st == 0 ? out : "(python failed)";
}

static const char *check_one(apr_pool_t *p, pt_ucheck_t *chk,
                             const char *user, const char *email,
                             const char *pw, const char *hash)
{
    pt_user_row_t row;
    const char *why;

    memset(&row, 0, sizeof(row));
    row.line = 2;
    row.username = user;
    row.email = email;
    row.first_name = "Ada";
    row.last_name = "Lovelace";
    row.address = "12 Oak Lane, Springfield";
    row.password = pw;
    row.password_hash = hash;
    why = pt_ucheck_row(chk, p, &row);
    return why ? why : "ok";
}

static void test_checks(apr_pool_t *p)
{
    pt_ucheck_t *chk = pt_ucheck_make(p, PT_STRENGTH_DEFAULT_BITS);
    const char *good = "violet staple horizon 7", *wz, *pb, *a2 = NULL;
    struct crypt_data cd;
    const char *bc, *why;
    int match = 0, rehash = 0;

    PT_IS_STR(check_one(p, chk, "ada", "ada@example.org", good, NULL), "ok",
              "a good row");
    PT_IS_STR(check_one(p, chk, "b c", "nope", "short", NULL),
              "username: Username must be 3 to 32 characters: letters, "
              "digits, dot, dash or underscore, starting with a letter or "
              "digit.; email: Enter a valid email address.; password: "
              "Password must be at least 8 characters.",
              "every problem, with its column, in words");
    why = check_one(p, chk, "bob", "bob@example.org", "lovelace1990", NULL);
    PT_OK(!strncmp(why, "password: This password is too easy to guess", 44)
          && !strstr(why, "lovelace1990"),
          "the strength floor, as at sign-up, never quoting the password "
          "(%s)", why);
    PT_IS_STR(check_one(p, chk, "Carol", "carol@example.org", "CAROL", NULL),
              "password: Password must be at least 8 characters.",
              "too short");
    PT_IS_STR(check_one(p, chk, "davidlong", "d@example.org", "DavidLong",
                        NULL), "password: Password must not be the same as "
              "the username.", "the username as password");
    PT_IS_STR(check_one(p, chk, "ADA", "other@example.org", good, NULL),
              "duplicate username: the same as line 2",
              "a duplicate username, whatever its case, names the line");
    PT_IS_STR(check_one(p, chk, "ada2", "Ada@Example.org", good, NULL),
              "duplicate email: the same as line 2", "a duplicate email");
    PT_IS_STR(check_one(p, chk, "eve", "eve@example.org", NULL, NULL),
              "password_hash: This field is required.",
              "no password at all");
    PT_IS_STR(check_one(p, chk, "eve", "eve@example.org", good, "x"),
              "password: give a password or a password_hash, not both",
              "both");
    /* a row that failed does not count as a duplicate later */
    check_one(p, chk, "frank", "bad email", good, NULL);
    PT_IS_STR(check_one(p, chk, "frank", "frank@example.org", good, NULL),
              "ok", "a name whose first row failed is free for a later row");

    wz = werkzeug_scrypt(p, "Correct horse 1");
    pb = werkzeug_pbkdf2(p, "Correct horse 1");
    bc = crypt_rn("Correct horse 1", "$2b$05$abcdefghijklmnopqrstuu", &cd,
                  (int)sizeof(cd));
    bc = bc ? apr_pstrdup(p, bc) : "(crypt failed)";
    pt_password_hash(p, "Correct horse 1", NULL, &a2);
    PT_IS_STR(check_one(p, chk, "gg1", "gg1@example.org", NULL, wz), "ok",
              "a werkzeug scrypt hash is taken");
    pt_password_verify(p, "Correct horse 1", wz, NULL, &match, &rehash);
    PT_OK(match && rehash, "and sign-in verifies it (and upgrades it)");
    PT_IS_STR(check_one(p, chk, "gg2", "gg2@example.org", "", pb), "ok",
              "a werkzeug pbkdf2 hash (an empty password beside it)");
    PT_IS_STR(check_one(p, chk, "gg3", "gg3@example.org", NULL, bc), "ok",
              "a bcrypt hash");
    PT_IS_STR(check_one(p, chk, "gg4", "gg4@example.org", NULL, a2), "ok",
              "an argon2id hash");
    PT_IS_STR(check_one(p, chk, "gg5", "gg5@example.org", NULL, "md5$x$y"),
              "password_hash: not a password hash of a supported format "
              "(werkzeug scrypt or pbkdf2, bcrypt, argon2id)",
              "an unknown format");
    PT_IS_STR(check_one(p, chk, "gg6", "gg6@example.org", NULL,
                        "scrypt:32768:8:1$salt$00ff"),
              "password_hash: a malformed werkzeug scrypt hash (or one whose"
              " cost is beyond what sign-in accepts)",
              "a malformed scrypt hash");
    PT_IS_STR(check_one(p, chk, "gg7", "gg7@example.org", NULL,
                        "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$"
                        "aGFzaGhhc2hoYXNoaGFzaA"),
              "password_hash: a malformed argon2id hash (or one whose cost "
              "is beyond what sign-in accepts)",
              "an argon2id hash asking for 95 GiB");
    PT_OK(pt_ucheck_seen(chk) == 18 && pt_ucheck_passed(chk) == 6,
          "counts (%" APR_INT64_T_FMT " seen, %" APR_INT64_T_FMT " passed)",
          pt_ucheck_seen(chk), pt_ucheck_passed(chk));

    chk = pt_ucheck_make(p, 0);
    PT_IS_STR(check_one(p, chk, "bob", "bob@example.org", "lovelace1990",
                        NULL), "ok", "a floor of 0: no strength check");
}

/* ------------------------------------------------------------ report */

static void test_report(apr_pool_t *p)
{
    static const char src[] =
        "reason,username,email,first_name,last_name,address,password,note\n"
        "old,ada,ada@example.org,Ada,Lovelace,\"1 A St, X\",violet staple "
        "horizon 7,n1\n"
        "old,bad,not-an-email,B,C,\"2 B St\nLine 2\",violet staple horizon "
        "7,\"=cmd\"\n"
        "short,row\n";
    collect_t *c = collector(p, PT_STRENGTH_DEFAULT_BITS, 1);
    const char *path = apr_pstrcat(p, tmpdir, "/failed.csv", NULL);
    const char *const *cols;
    pt_usercsv_t *r;
    pt_ufail_t *w;
    apr_file_t *f;
    pt_err_t err = { 0 };
    const char *out;
    char *text;
    apr_size_t len;
    int n, i;

    read_str(c, src, sizeof(src) - 1, 0, &r, &err);
    cols = pt_usercsv_columns(r, &n);
    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                  | APR_FOPEN_TRUNCATE, APR_FPROT_UREAD | APR_FPROT_UWRITE,
                  p);
    pt_ufail_open(p, f, cols, n, &w);
    for (i = 0; i < c->copies->nelts; i++) {
        pt_user_row_t *u = APR_ARRAY_IDX(c->copies, i, pt_user_row_t *);

        if (u->reason) {
            pt_ufail_row(w, u);
        }
    }
    PT_OK(pt_ufail_count(w) == 2, "two failed rows");
    pt_ufail_close(w);
    apr_file_close(f);
    pt_file_read(p, path, &text, &len, 1 << 20, &err);
    PT_IS_STR(text,
              "username,email,first_name,last_name,address,password,note,"
              "reason\r\n"
              "bad,not-an-email,B,C,\"2 B St\nLine 2\",violet staple horizon "
              "7,=cmd,email: Enter a valid email address.\r\n"
              "row,,,,,,,\"the row has 2 fields, the header 8\"\r\n",
              "the failed rows as they were (extra column too), padded, "
              "with their reason last; the old reason column dropped");

    /* it reads back as an import file, and python3 reads it too */
    c = collector(p, 0, 0);
    PT_OK(read_str(c, text, len, 3, NULL, &err) == APR_SUCCESS
          && c->rows->nelts == 2, "the report reads back as users.csv");
    PT_IS_STR(row_at(c, 0), "2||bad|not-an-email|B|C|2 B St\nLine 2|violet "
              "staple horizon 7|=cmd|email: Enter a valid email address.",
              "field for field");
    pt_run(p, apr_psprintf(p, "%s -c '"
        "import csv, sys\n"
        "rows = list(csv.reader(open(sys.argv[1], newline=\"\")))\n"
        "print(len(rows), rows[1][4].replace(\"\\n\", \"|\"), rows[2][-1])\n"
        "' %s", pt_python(), path), &out);
    PT_IS_STR(out, "3 2 B St|Line 2 the row has 2 fields, the header 8",
              "python3's csv module reads the report");
}

int main(void)
{
    apr_pool_t *p;
    char tmpl[] = "/tmp/pt_usercsv.XXXXXX";
    const char *ignored;

    apr_initialize();
    apr_pool_create(&p, NULL);
    tmpdir = mkdtemp(tmpl);
    test_read(p);
    test_errors(p);
    test_checks(p);
    test_report(p);
    pt_run(p, apr_psprintf(p, "rm -rf %s", tmpdir), &ignored);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
