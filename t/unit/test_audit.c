/*
 * test_audit.c -- the activity log's chain without a database: the
 * canonical form (checked against python3's json module and sha256sum),
 * normalising, export lines and their parser, the verifier on chains that
 * were changed, re-hashed, cut, grown, reordered or pruned, seals made by
 * the portal's TSA, and the shell commands pt_audit.h documents, run as
 * written on an export (with openssl ts -verify).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "pt_test.h"
#include "pt_test_run.h"
#include "pt_audit.h"
#include "pt_crypto.h"
#include "pt_tsa.h"

static const char *tmpdir;

static pt_audit_entry_t entry(apr_int64_t id, const char *detail)
{
    pt_audit_entry_t e;

    memset(&e, 0, sizeof(e));
    e.id = id;
    e.time = 1700000000000000LL + id * 1000;
    e.actor_id = id % 3 ? 7 : 0;
    e.actor_name = id % 3 ? "ada" : NULL;
    e.ip = "192.0.2.10";
    e.user_agent = "Mozilla/5.0 (X11)";
    e.action = id % 2 ? "signin" : "file.upload";
    e.target = id % 2 ? NULL : "file:6f1c";
    e.outcome = id % 4 ? "success" : "failure";
    e.request_id = "Zf3kAAAB";
    e.detail = detail;
    return e;
}

/* ------------------------------------------------------------ canonical */

static void test_canonical(apr_pool_t *p)
{
    pt_audit_entry_t e = entry(2, NULL), n;
    const char *c, *out, *h, *path = apr_pstrcat(p, tmpdir, "/c.json", NULL);
    apr_file_t *f;
    pt_err_t err = { 0 };
    int st;

    c = pt_audit_canonical(p, &e, NULL);
    PT_IS_STR(c, "{\"action\":\"file.upload\",\"actor_id\":7,\"actor_name\":"
              "\"ada\",\"detail\":null,\"id\":2,\"ip\":\"192.0.2.10\","
              "\"outcome\":\"success\",\"request_id\":\"Zf3kAAAB\",\"target\":"
              "\"file:6f1c\",\"time\":1700000000002000,\"user_agent\":"
              "\"Mozilla/5.0 (X11)\",\"v\":1}",
              "the canonical form: sorted keys, no blanks, null for none");

    e.detail = "quote \" backslash \\ nl \n tab \t cr \r bs \b ff \f "
               "ctl \x01\x1f del \x7f slash / caf\xc3\xa9 \xe2\x82\xac";
    e.actor_id = 0;
    c = pt_audit_canonical(p, &e, NULL);
    PT_OK(strstr(c, "\"detail\":\"quote \\\" backslash \\\\ nl \\n tab \\t "
                    "cr \\r bs \\b ff \\f ctl \\u0001\\u001f del \x7f slash / "
                    "caf\xc3\xa9 \xe2\x82\xac\"") != NULL
          && strstr(c, "\"actor_id\":null") != NULL,
          "escapes as RFC 8785: short forms, \\u00XX, DEL and UTF-8 raw");
    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                  | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p);
    apr_file_write_full(f, c, strlen(c), NULL);
    apr_file_close(f);
    st = pt_run(p, apr_psprintf(p, "%s -c '"
        "import json, sys\n"
        "raw = open(sys.argv[1], \"rb\").read()\n"
        "o = json.loads(raw)\n"
        "again = json.dumps(o, sort_keys=True, separators=(\",\", \":\"),"
        " ensure_ascii=False).encode()\n"
        "print(\"same\" if again == raw else \"differs: \" + repr(again))\n"
        "' %s", pt_python(), path), &out);
    PT_IS_STR(out, "same", "python3's json.dumps(sort_keys, compact, "
              "ensure_ascii=False) writes the same bytes (st %d)", st);

    h = pt_audit_hash(p, PT_AUDIT_GENESIS, &e);
    pt_run(p, apr_psprintf(p, "{ printf '%%s' %s; cat %s; } | sha256sum | "
                           "cut -d' ' -f1", PT_AUDIT_GENESIS, path), &out);
    PT_IS_STR(h, out, "hash = SHA-256(prev hex || canonical), as sha256sum "
              "computes it");

    /* normalising */
    e = entry(1, "");
    e.user_agent = apr_pstrcat(p, "bad \xff\xfe utf8 \xc3", NULL);
    e.time = 0;
    PT_OK(pt_audit_normalise(p, &e, &n, &err) == APR_SUCCESS, "normalise");
    PT_IS_STR(n.user_agent, "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd",
              "invalid UTF-8 becomes U+FFFD");
    PT_OK(n.detail == NULL, "an empty optional value becomes none");
    PT_OK(n.time > 1600000000000000LL, "time 0 becomes now");
    {
        char *ua = apr_palloc(p, 2 * PT_AUDIT_MAX_UA + 1);
        int i;

        for (i = 0; i < PT_AUDIT_MAX_UA; i++) {
            memcpy(ua + 2 * i, "\xc3\xa9", 2);          /* é */
        }
        ua[2 * PT_AUDIT_MAX_UA] = '\0';
        e.user_agent = ua;
        pt_audit_normalise(p, &e, &n, &err);
        PT_OK(strlen(n.user_agent) == PT_AUDIT_MAX_UA
              && pt_audit_normalise(p, &n, &n, &err) == APR_SUCCESS,
              "a long value is cut at %d bytes, between characters",
              PT_AUDIT_MAX_UA);
    }
    e = entry(1, NULL);
    e.action = "Sign In";
    PT_OK(pt_audit_normalise(p, &e, &n, &err) == APR_EINVAL,
          "an action outside a-z 0-9 . _ : - is the caller's mistake");
    e.action = "signin";
    e.outcome = NULL;
    PT_OK(pt_audit_normalise(p, &e, &n, &err) == APR_EINVAL,
          "an outcome is required");
}

/* ------------------------------------------------------------ chains */

typedef struct chain_t {
    apr_array_header_t *rows;   /* pt_audit_row_t */
    int pos;
} chain_t;

static chain_t *build(apr_pool_t *p, int n)
{
    chain_t *c = apr_pcalloc(p, sizeof(*c));
    const char *prev = PT_AUDIT_GENESIS;
    int i;

    c->rows = apr_array_make(p, n, sizeof(pt_audit_row_t));
    for (i = 1; i <= n; i++) {
        pt_audit_row_t *r = apr_array_push(c->rows);

        r->e = entry(i, apr_psprintf(p, "event %d", i));
        r->prev_hash = prev;
        r->hash = pt_audit_hash(p, prev, &r->e);
        prev = r->hash;
    }
    return c;
}

static pt_audit_row_t *row_of(chain_t *c, int id)
{
    int i;

    for (i = 0; i < c->rows->nelts; i++) {
        pt_audit_row_t *r = &APR_ARRAY_IDX(c->rows, i, pt_audit_row_t);

        if (r->e.id == id) {
            return r;
        }
    }
    return NULL;
}

static apr_status_t chain_next(void *baton, apr_pool_t *p,
                               pt_audit_row_t **row)
{
    chain_t *c = baton;

    *row = NULL;
    if (c->pos < c->rows->nelts) {
        pt_audit_row_t *r = apr_palloc(p, sizeof(*r));

        *r = APR_ARRAY_IDX(c->rows, c->pos, pt_audit_row_t);
        c->pos++;
        *row = r;
    }
    return APR_SUCCESS;
}

/* Remove the rows with ids in [a, b]. */
static void cut(chain_t *c, int a, int b)
{
    apr_array_header_t *keep = apr_array_make(c->rows->pool, 8,
                                              sizeof(pt_audit_row_t));
    int i;

    for (i = 0; i < c->rows->nelts; i++) {
        pt_audit_row_t *r = &APR_ARRAY_IDX(c->rows, i, pt_audit_row_t);

        if (r->e.id < a || r->e.id > b) {
            *(pt_audit_row_t *)apr_array_push(keep) = *r;
        }
    }
    c->rows = keep;
}

static pt_audit_result_t run(apr_pool_t *p, chain_t *c, apr_int64_t from,
                             const apr_array_header_t *seals,
                             pt_audit_seal_fn check, void *baton)
{
    pt_audit_verify_t v;
    pt_audit_result_t res;
    pt_err_t err = { 0 };

    memset(&v, 0, sizeof(v));
    v.from = from;
    v.next = chain_next;
    v.next_baton = c;
    v.seals = seals;
    v.check_seal = check;
    v.seal_baton = baton;
    c->pos = 0;
    if (pt_audit_verify(p, &v, &res, &err) != APR_SUCCESS) {
        res.problem = -1;
        res.message = "the walk failed";
    }
    return res;
}

static const char *verdict(apr_pool_t *p, pt_audit_result_t r)
{
    return apr_psprintf(p, "%d %" APR_INT64_T_FMT "-%" APR_INT64_T_FMT ": %s",
                        (int)r.problem, r.id, r.id_last, r.message);
}

static pt_audit_seal_t seal_of(apr_pool_t *p, chain_t *c, int id)
{
    pt_audit_seal_t s;

    memset(&s, 0, sizeof(s));
    s.entry_id = id;
    s.hash = row_of(c, id)->hash;
    s.tsa = "portal";
    s.sealed_at = apr_time_from_sec(1700000000);
    return s;
}

static apr_array_header_t *seals1(apr_pool_t *p, pt_audit_seal_t s)
{
    apr_array_header_t *a = apr_array_make(p, 1, sizeof(pt_audit_seal_t));

    *(pt_audit_seal_t *)apr_array_push(a) = s;
    return a;
}

static apr_status_t refuse_seal(void *baton, apr_pool_t *p,
                                const pt_audit_seal_t *s,
                                const unsigned char *digest,
                                apr_time_t *t, pt_err_t *err)
{
    return pt_err_set(err, p, NULL, 0, "a forged token");
}

static void test_verify(apr_pool_t *p)
{
    chain_t *c = build(p, 10);
    pt_audit_result_t r;
    pt_audit_row_t *x;
    pt_audit_row_t ins;
    int i;

    r = run(p, c, 0, NULL, NULL, NULL);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.entries == 10 && r.anchored
          && r.last_id == 10 && !strcmp(r.last_hash, row_of(c, 10)->hash),
          "an intact chain of 10, anchored at the genesis hash (%s)",
          verdict(p, r));

    c = build(p, 10);
    row_of(c, 5)->e.detail = "event 5, edited";
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "1 5-0: entry 5 was changed: its content does "
              "not match its hash", "a changed entry is named");

    c = build(p, 10);
    x = row_of(c, 5);
    x->e.outcome = "failure";
    x->hash = pt_audit_hash(p, x->prev_hash, &x->e);
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "2 5-0: entry 5 was changed and its hash "
              "computed again: entry 6 still links to its old hash",
              "a changed and re-hashed entry is named");

    c = build(p, 10);
    cut(c, 5, 5);
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "3 5-5: entry 5 was removed (the ids jump "
              "from 4 to 6)", "a removed entry is named");
    c = build(p, 10);
    cut(c, 4, 6);
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "3 4-6: entries 4 to 6 were removed",
              "removed entries are named");

    /* an entry inserted after 5: the later ones renumbered to make room */
    c = build(p, 10);
    for (i = c->rows->nelts - 1; i >= 5; i--) {
        APR_ARRAY_IDX(c->rows, i, pt_audit_row_t).e.id++;
    }
    memset(&ins, 0, sizeof(ins));
    ins.e = entry(6, "forged");
    ins.prev_hash = row_of(c, 5)->hash;
    ins.hash = pt_audit_hash(p, ins.prev_hash, &ins.e);
    {
        apr_array_header_t *grown = apr_array_make(p, 11,
                                                   sizeof(pt_audit_row_t));

        for (i = 0; i < c->rows->nelts; i++) {
            *(pt_audit_row_t *)apr_array_push(grown)
                = APR_ARRAY_IDX(c->rows, i, pt_audit_row_t);
            if (i == 4) {
                *(pt_audit_row_t *)apr_array_push(grown) = ins;
            }
        }
        c->rows = grown;
    }
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "4 6-0: entry 6 was inserted: entry 7 links "
              "past it to the entry before it", "an inserted entry is named");

    /* entries 5 and 6 swapped */
    c = build(p, 10);
    {
        pt_audit_row_t a = *row_of(c, 5), b = *row_of(c, 6);

        a.e.id = 6;
        b.e.id = 5;
        APR_ARRAY_IDX(c->rows, 4, pt_audit_row_t) = b;
        APR_ARRAY_IDX(c->rows, 5, pt_audit_row_t) = a;
    }
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "5 5-6: entries 5 and 6 were swapped: each "
              "links to where the other belongs", "swapped entries are named");

    c = build(p, 10);
    row_of(c, 1)->prev_hash = row_of(c, 2)->hash;
    row_of(c, 1)->hash = pt_audit_hash(p, row_of(c, 1)->prev_hash,
                                       &row_of(c, 1)->e);
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_OK(r.problem == PT_AUDIT_BAD_START, "entry 1 must start from the "
          "genesis hash (%s)", verdict(p, r));

    /* a pruned chain: starts at its sealed entry */
    c = build(p, 10);
    cut(c, 1, 3);
    r = run(p, c, 0, seals1(p, seal_of(p, c, 4)), NULL, NULL);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.anchored && r.seals == 1
          && r.entries == 7 && r.first_id == 4,
          "a pruned chain verifies from its sealed first entry (%s)",
          verdict(p, r));
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_IS_STR(verdict(p, r), "3 1-3: entries 1 to 3 are missing, and entry 4"
              " is not sealed (retention keeps the seal of the first entry "
              "it keeps)", "a cut prefix without its seal is found");
    r = run(p, c, 4, NULL, NULL, NULL);
    PT_OK(r.problem == PT_AUDIT_INTACT && !r.anchored, "--from 4 without a "
          "seal: intact but not anchored (%s)", verdict(p, r));

    /* seals */
    c = build(p, 10);
    r = run(p, c, 0, seals1(p, seal_of(p, c, 7)), NULL, NULL);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.seals == 1, "a seal that "
          "matches (%s)", verdict(p, r));
    {
        pt_audit_seal_t s = seal_of(p, c, 7);
        const char *prev = row_of(c, 2)->hash;

        /* everything from entry 3 rewritten and re-hashed: only the seal
         * can tell */
        for (i = 3; i <= 10; i++) {
            x = row_of(c, i);
            if (i == 3) {
                x->e.detail = "history rewritten";
            }
            x->prev_hash = prev;
            x->hash = pt_audit_hash(p, prev, &x->e);
            prev = x->hash;
        }
        r = run(p, c, 0, NULL, NULL, NULL);
        PT_OK(r.problem == PT_AUDIT_INTACT, "a chain re-hashed from entry 3 "
              "on is consistent on its own");
        r = run(p, c, 0, seals1(p, s), NULL, NULL);
        PT_OK(r.problem == PT_AUDIT_SEAL_MISMATCH && r.id == 7,
              "but entry 7's seal finds it (%s)", verdict(p, r));
    }
    c = build(p, 10);
    {
        pt_audit_seal_t s = seal_of(p, c, 10);

        cut(c, 9, 10);
        r = run(p, c, 0, seals1(p, s), NULL, NULL);
        PT_OK(r.problem == PT_AUDIT_SEAL_MISSING && r.id == 10,
              "entries cut from the end before a seal are found (%s)",
              verdict(p, r));
    }
    c = build(p, 10);
    r = run(p, c, 0, seals1(p, seal_of(p, c, 7)), refuse_seal, NULL);
    PT_OK(r.problem == PT_AUDIT_SEAL_INVALID && r.id == 7
          && strstr(r.message, "a forged token") != NULL,
          "a seal whose token does not verify (%s)", verdict(p, r));

    /* a million rows stream through two pools: 20,000 here */
    c = build(p, 20000);
    r = run(p, c, 0, NULL, NULL, NULL);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.entries == 20000, "20,000 "
          "entries stream through");
}

/* ------------------------------------------------------------ export */

static void test_lines(apr_pool_t *p)
{
    chain_t *c = build(p, 3);
    pt_audit_row_t *r = row_of(c, 2);
    pt_audit_line_t l;
    pt_err_t err = { 0 };
    const char *line = pt_audit_export_entry(p, r);
    pt_audit_seal_t s = seal_of(p, c, 2);
    static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    const char *bad[] = {
        "E\tzz\tzz\t{}",
        NULL, NULL, NULL, NULL, NULL
    };
    int i, refused = 1;

    PT_OK(line[strlen(line) - 1] == '\n' && !strncmp(line, "E\t", 2),
          "an entry line");
    PT_OK(pt_audit_parse_line(p, line, strlen(line) - 1, &l, &err)
          == APR_SUCCESS && l.kind == 'E' && pt_audit_row_ok(p, &l.row)
          && !strcmp(l.row.hash, r->hash) && l.row.e.id == 2
          && !strcmp(l.row.e.detail, "event 2"),
          "parses back to the same entry (%s)", err.what ? err.what : "ok");

    s.token = der;
    s.token_len = sizeof(der);
    line = pt_audit_export_seal(p, &s);
    PT_IS_STR(line, apr_pstrcat(p, "S\t2\t", r->hash, "\t1700000000\tportal"
                                "\tMAMCAQA=\n", NULL), "a seal line");
    PT_OK(pt_audit_parse_line(p, line, strlen(line) - 1, &l, &err)
          == APR_SUCCESS && l.kind == 'S' && l.seal.entry_id == 2
          && l.seal.token_len == sizeof(der)
          && !memcmp(l.seal.token, der, sizeof(der)), "parses back");

    /* not canonical: the same entry written otherwise */
    line = pt_audit_export_entry(p, r);
    bad[1] = apr_pstrcat(p, "E\t", r->prev_hash, "\t", r->hash,
                         "\t{\"v\":1,\"action\":\"file.upload\"}", NULL);
    {
        char *sp = apr_pstrdup(p, line);

        sp[strlen(sp) - 1] = '\0';
        bad[2] = apr_pstrcat(p, apr_pstrndup(p, sp, (apr_size_t)
                             (strstr(sp, "\"id\":") - sp)), "\"id\": 2",
                             strstr(sp, "\"id\":") + 6, NULL);
        bad[3] = apr_pstrcat(p, apr_pstrndup(p, sp, (apr_size_t)
                             (strstr(sp, "Mozilla/") - sp)), "Mozilla\\/",
                             strstr(sp, "Mozilla/") + 8, NULL);
    }
    bad[4] = "S\t2\tnothex\t1\tportal\tMAMCAQA=";
    PT_OK(pt_audit_parse_line(p, apr_pstrcat(p, "S\t2\t", r->hash,
                                             "\t17005510000000615\tportal"
                                             "\tMAMCAQA=", NULL),
                              102, &l, &err) == APR_EINVAL,
          "a seal time past the year 9999 is refused (it overflowed)");
    for (i = 0; bad[i]; i++) {
        refused &= pt_audit_parse_line(p, bad[i], strlen(bad[i]), &l, &err)
                   == APR_EINVAL;
    }
    PT_OK(refused, "bad hashes, missing members, a blank, an escaped \"/\":"
          " refused (the JSON must be the canonical bytes)");
    PT_OK(pt_audit_parse_line(p, "# comment", 9, &l, &err) == APR_SUCCESS
          && l.kind == '#', "a comment line");
}

/* ------------------------------------------------------------ TSA + sh */

static void test_tsa_and_shell(apr_pool_t *p)
{
    const char *keys = apr_pstrcat(p, tmpdir, "/keys", NULL);
    const char *exp = apr_pstrcat(p, tmpdir, "/export.tsv", NULL);
    const char *crt = apr_pstrcat(p, tmpdir, "/tsa.crt", NULL);
    const char *script = apr_pstrcat(p, tmpdir, "/check.sh", NULL);
    chain_t *c = build(p, 6);
    pt_tsa_t *tsa;
    pt_audit_trust_t trust = { NULL, NULL };
    pt_audit_seal_t s;
    apr_array_header_t *seals;
    pt_audit_result_t r;
    pt_err_t err = { 0 };
    unsigned char digest[32], *der;
    apr_size_t len, n;
    apr_file_t *f;
    const char *out, *text;
    int created, i;

    mkdir(keys, 0700);
    PT_OK(pt_tsa_open(p, keys, "Portal Time-Stamping Authority", &tsa,
                      &created, &err) == APR_SUCCESS, "the portal's TSA");
    for (i = 0; i < 32; i++) {
        digest[i] = (unsigned char)(pt_hex_value(row_of(c, 6)->hash[2 * i])
                                    << 4
                                    | pt_hex_value(row_of(c, 6)->hash[2 * i
                                                                      + 1]));
    }
    pt_tsa_stamp(tsa, p, digest, &der, &len, &err);
    s = seal_of(p, c, 6);
    s.token = der;
    s.token_len = len;
    seals = seals1(p, s);
    trust.own = tsa;
    r = run(p, c, 0, seals, pt_audit_seal_check, &trust);
    PT_OK(r.problem == PT_AUDIT_INTACT && r.seals == 1, "a real seal "
          "verifies with the portal's TSA (%s)", verdict(p, r));
    {
        pt_audit_seal_t bad = s;
        unsigned char *copy = apr_pmemdup(p, der, len);

        copy[len - 10] ^= 0x01;
        bad.token = copy;
        r = run(p, c, 0, seals1(p, bad), pt_audit_seal_check, &trust);
        PT_OK(r.problem == PT_AUDIT_SEAL_INVALID, "a changed token does not "
              "(%s)", verdict(p, r));
        bad = s;
        bad.tsa = "tsa.example.org";
        r = run(p, c, 0, seals1(p, bad), pt_audit_seal_check, &trust);
        PT_OK(r.problem == PT_AUDIT_SEAL_INVALID
              && strstr(r.message, "no CA file for the external TSA"),
              "an external seal needs the external TSA's CA file (%s)",
              verdict(p, r));
    }

    /* the export, and the shell commands of pt_audit.h as written */
    apr_file_open(&f, exp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                  | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p);
    apr_file_puts(PT_AUDIT_EXPORT_HEADER, f);
    for (i = 1; i <= 6; i++) {
        apr_file_puts(pt_audit_export_entry(p, row_of(c, i)), f);
    }
    apr_file_puts(pt_audit_export_seal(p, &s), f);
    apr_file_close(f);
    apr_file_open(&f, crt, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                  APR_FPROT_OS_DEFAULT, p);
    apr_file_puts(pt_tsa_cert_pem(tsa), f);
    apr_file_close(f);
    text =
        "cd \"$(dirname \"$0\")\"\n"
        "prev=\n"
        "grep '^E' export.tsv | while IFS=\"$(printf '\\t')\" read -r t p h c; do\n"
        "  [ -z \"$prev\" ] || [ \"$p\" = \"$prev\" ] || echo \"BROKEN LINK before $c\"\n"
        "  [ \"$(printf '%s%s' \"$p\" \"$c\" | sha256sum | cut -d' ' -f1)\" = \"$h\" ] \\\n"
        "    || echo \"CHANGED: $c\"\n"
        "  prev=$h\n"
        "done\n"
        "grep '^S' export.tsv |\n"
        "while IFS=\"$(printf '\\t')\" read -r t id h at tsa tok; do\n"
        "  printf '%s' \"$tok\" | base64 -d > seal.tsr\n"
        "  openssl ts -verify -digest \"$h\" -in seal.tsr -CAfile tsa.crt \\\n"
        "    && grep -q \"$(printf '^E\\t[0-9a-f]*\\t%s\\t' \"$h\")\" export.tsv \\\n"
        "    && echo \"seal of $id OK\"\n"
        "done\n";
    apr_file_open(&f, script, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                  APR_FPROT_OS_DEFAULT, p);
    apr_file_puts(text, f);
    apr_file_close(f);
    pt_run(p, apr_psprintf(p, "sh %s 2>/dev/null | grep -v '^Verification:'"
                           " | grep -v '^Using configuration'", script),
           &out);
    PT_IS_STR(out, "seal of 6 OK", "the documented shell check passes an "
              "intact export, seal included");

    /* change one byte of entry 3 in the file */
    {
        char *buf;
        char *at;

        pt_file_read(p, exp, &buf, &n, 1 << 20, &err);
        at = strstr(buf, "event 3");
        at[6] = '9';
        apr_file_open(&f, exp, APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE,
                      APR_FPROT_OS_DEFAULT, p);
        apr_file_write_full(f, buf, n, NULL);
        apr_file_close(f);
    }
    pt_run(p, apr_psprintf(p, "sh %s 2>/dev/null | grep -c CHANGED", script),
           &out);
    PT_IS_STR(out, "1", "and names the one entry changed in the file");
}

int main(void)
{
    apr_pool_t *p;
    char tmpl[] = "/tmp/pt_audit.XXXXXX";
    const char *ignored;

    apr_initialize();
    apr_pool_create(&p, NULL);
    tmpdir = mkdtemp(tmpl);
    test_canonical(p);
    test_lines(p);
    test_verify(p);
    test_tsa_and_shell(p);
    pt_run(p, apr_psprintf(p, "rm -rf %s", tmpdir), &ignored);
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
