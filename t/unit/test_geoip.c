/*
 * test_geoip.c -- unit tests of pt_geoip.c against the database that
 * t/geoip/make-mmdb.pl writes: every network (IPv4, IPv6, IPv4-mapped),
 * UTF-8 names, network edges, addresses not in the database, bad
 * addresses, refused values, missing and damaged files, 8 threads looking
 * up at once.
 *   test_geoip DB.mmdb      (t/unit/test_geoip.sh builds DB.mmdb first)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "pt_geoip.h"
#include "pt_test.h"

typedef struct expect_t {
    const char *ip;
    const char *country_code, *country, *region, *city, *time_zone;
} expect_t;

#define LINKOPING "Link\xc3\xb6ping"
#define OSTERGOTLAND "\xc3\x96sterg\xc3\xb6tland County"

static const expect_t known[] = {
    { "81.2.69.142", "GB", "United Kingdom", "England", "London",
      "Europe/London" },
    { "81.2.69.0", "GB", "United Kingdom", "England", "London",
      "Europe/London" },
    { "81.2.69.255", "GB", "United Kingdom", "England", "London",
      "Europe/London" },
    { "::ffff:81.2.69.1", "GB", "United Kingdom", "England", "London",
      "Europe/London" },
    { "2.125.160.216", "GB", "United Kingdom", NULL, NULL, NULL },
    { "89.160.20.112", "SE", "Sweden", OSTERGOTLAND, LINKOPING,
      "Europe/Stockholm" },
    { "216.160.83.56", "US", "United States", "Washington", "Milton",
      "America/Los_Angeles" },
    { "2001:480::1", "US", "United States", NULL, NULL, NULL },
    { "2001:480:ffff:ffff:ffff:ffff:ffff:ffff", "US", "United States",
      NULL, NULL, NULL },
    { "2001:0480:0000::0001", "US", "United States", NULL, NULL, NULL },
    { "127.0.0.1", "ZZ", "Loopback", NULL, NULL, "Etc/UTC" },
    { "127.255.255.254", "ZZ", "Loopback", NULL, NULL, "Etc/UTC" },
    { "::1", "ZZ", "Loopback", NULL, NULL, "Etc/UTC" },
    /* no "country": registered_country; refused city and region */
    { "192.0.2.10", "DE", "Germany", NULL, NULL, "Europe/Berlin" },
    { NULL, NULL, NULL, NULL, NULL, NULL }
};

static const char *not_found[] = {
    "8.8.8.8", "81.2.68.255", "81.2.70.0", "2.125.161.1", "10.0.0.1",
    "128.0.0.1", "2001:481::1", "2001:47f:ffff::1", "::2", "0.0.0.0",
    "::", "255.255.255.255", "fe80::1", NULL
};

static const char *bad_addresses[] = {
    "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "127.1", "localhost",
    "fe80::1%eth0", "1.2.3.4 ", " 1.2.3.4", "::g", "1:2:3:4:5:6:7:8:9",
    "01.2.3.4", "1.2.3.4/24", "[::1]", "0x7f.0.0.1", "81.2.69.142\n",
    "1111:2222:3333:4444:5555:6666:7777:8888:1111:2222:3333:4444:5555:6666",
    NULL
};

static int same(const char *a, const char *b)
{
    return (a && b) ? !strcmp(a, b) : a == b;
}

static int geo_is(const pt_geo_t *g, const expect_t *x)
{
    return same(g->country_code, x->country_code)
           && same(g->country, x->country) && same(g->region, x->region)
           && same(g->city, x->city) && same(g->time_zone, x->time_zone);
}

static void test_lookups(pt_geoip_t *g, apr_pool_t *p)
{
    pt_geo_t geo;
    pt_err_t err;
    int i, found;
    apr_status_t rv;

    for (i = 0; known[i].ip; i++) {
        memset(&err, 0, sizeof(err));
        found = -1;
        rv = pt_geoip_lookup(g, p, known[i].ip, &geo, &found, &err);
        PT_OK(rv == APR_SUCCESS && found == 1 && geo_is(&geo, &known[i]),
              "%s -> %s/%s/%s/%s/%s", known[i].ip, known[i].country_code,
              known[i].country, known[i].region ? known[i].region : "-",
              known[i].city ? known[i].city : "-",
              known[i].time_zone ? known[i].time_zone : "-");
        if (rv != APR_SUCCESS || found != 1 || !geo_is(&geo, &known[i])) {
            printf("#   rv %d found %d: %s/%s/%s/%s/%s %s\n", rv, found,
                   geo.country_code ? geo.country_code : "(null)",
                   geo.country ? geo.country : "(null)",
                   geo.region ? geo.region : "(null)",
                   geo.city ? geo.city : "(null)",
                   geo.time_zone ? geo.time_zone : "(null)",
                   err.what ? err.what : "");
        }
    }

    /* the UTF-8 bytes themselves */
    rv = pt_geoip_lookup(g, p, "89.160.20.1", &geo, &found, NULL);
    PT_OK(rv == APR_SUCCESS && geo.city && strlen(geo.city) == 10
          && !memcmp(geo.city, "Link\xc3\xb6ping", 11),
          "Linköping is 10 bytes of UTF-8 with a NUL");

    for (i = 0; not_found[i]; i++) {
        memset(&geo, 0x55, sizeof(geo));
        found = -1;
        rv = pt_geoip_lookup(g, p, not_found[i], &geo, &found, NULL);
        PT_OK(rv == APR_SUCCESS && found == 0 && !geo.country_code
              && !geo.country && !geo.region && !geo.city && !geo.time_zone,
              "%s is not in the database (APR_SUCCESS, found 0, all NULL)",
              not_found[i]);
    }

    for (i = 0; bad_addresses[i]; i++) {
        memset(&err, 0, sizeof(err));
        found = -1;
        rv = pt_geoip_lookup(g, p, bad_addresses[i], &geo, &found, &err);
        PT_OK(rv == APR_EINVAL && found == 0 && err.what
              && !strncmp(err.what, "not an IPv4 or IPv6 address: ", 29),
              "bad address #%d is APR_EINVAL: %s", i,
              err.what ? err.what : "(no message)");
    }
    memset(&err, 0, sizeof(err));
    rv = pt_geoip_lookup(g, p, NULL, &geo, &found, &err);
    PT_OK(rv == APR_EINVAL, "NULL address is APR_EINVAL");
    PT_IS_STR(err.what, "not an IPv4 or IPv6 address: (none)", "... message");
    pt_geoip_lookup(g, p, "localhost", &geo, &found, &err);
    PT_IS_STR(err.what, "not an IPv4 or IPv6 address: localhost",
              "message repeats a printable address");
    pt_geoip_lookup(g, p, "1.2.3.4\x1b[0m", &geo, &found, &err);
    PT_IS_STR(err.what, "not an IPv4 or IPv6 address: (unprintable)",
              "... but not one with control characters");
    pt_geoip_lookup(g, p, "", &geo, &found, &err);
    PT_IS_STR(err.what, "not an IPv4 or IPv6 address: (empty)",
              "... and says when it is empty");
}

static void test_open_errors(apr_pool_t *p, const char *db)
{
    char *tmpl = apr_pstrdup(p, "/tmp/pt-geoip-test.XXXXXX");
    const char *dir = mkdtemp(tmpl) ? tmpl : "/nonexistent";
    const char *missing = apr_pstrcat(p, dir, "/missing.mmdb", NULL);
    const char *junk = apr_pstrcat(p, dir, "/junk.mmdb", NULL);
    const char *cut = apr_pstrcat(p, dir, "/cut.mmdb", NULL);
    const char *empty = apr_pstrcat(p, dir, "/empty.mmdb", NULL);
    pt_geoip_t *g = NULL;
    pt_err_t err;
    apr_file_t *f;
    apr_finfo_t fi;
    char *whole = NULL;
    apr_size_t n = 0;
    apr_status_t rv;

    memset(&err, 0, sizeof(err));
    rv = pt_geoip_open(p, missing, &g, &err);
    PT_OK(APR_STATUS_IS_ENOENT(rv), "missing file is ENOENT (%d)", rv);
    PT_IS_STR(err.where, missing, "... err.where is the file");
    PT_OK(err.what && strstr(err.what, "cannot open the GeoIP database")
          && strstr(err.what, "No such file"), "... err.what: %s", err.what);

    if (apr_file_open(&f, junk, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                      APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS) {
        int i;

        for (i = 0; i < 100; i++) {
            apr_file_puts("this is no MaxMind database\n", f);
        }
        apr_file_close(f);
    }
    memset(&err, 0, sizeof(err));
    rv = pt_geoip_open(p, junk, &g, &err);
    PT_OK(rv == APR_EGENERAL, "text file is APR_EGENERAL");
    PT_OK(err.what && strstr(err.what, "not a usable MaxMind DB file: "),
          "... err.what: %s", err.what);
    PT_IS_STR(err.where, junk, "... err.where is the file");

    /* the metadata is at the end: cut it off */
    if (apr_file_open(&f, db, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p)
        == APR_SUCCESS
        && apr_file_info_get(&fi, APR_FINFO_SIZE, f) == APR_SUCCESS) {
        n = (apr_size_t)fi.size;
        whole = apr_palloc(p, n);
        apr_file_read_full(f, whole, n, NULL);
        apr_file_close(f);
    }
    if (whole && apr_file_open(&f, cut, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                               APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS) {
        apr_file_write_full(f, whole, n - 40, NULL);
        apr_file_close(f);
    }
    memset(&err, 0, sizeof(err));
    rv = pt_geoip_open(p, cut, &g, &err);
    PT_OK(whole && rv == APR_EGENERAL && err.what
          && strstr(err.what, "not a usable MaxMind DB file"),
          "database without its last 40 bytes is refused: %s", err.what);

    if (apr_file_open(&f, empty, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                      APR_FPROT_OS_DEFAULT, p) == APR_SUCCESS) {
        apr_file_close(f);
    }
    memset(&err, 0, sizeof(err));
    rv = pt_geoip_open(p, empty, &g, &err);
    PT_OK(rv == APR_EGENERAL, "empty file is APR_EGENERAL");
    PT_IS_STR(err.what, "the GeoIP database file is empty", "... message");

    memset(&err, 0, sizeof(err));
    rv = pt_geoip_open(p, dir, &g, &err);
    PT_OK(rv == APR_EGENERAL, "a folder is APR_EGENERAL");
    PT_IS_STR(err.what, "the GeoIP database is not a regular file",
              "... message");

    memset(&err, 0, sizeof(err));
    rv = pt_geoip_open(p, "", &g, &err);
    PT_OK(rv == APR_EGENERAL, "empty path is refused");
    PT_IS_STR(err.what, "no GeoIP database file given", "... message");

    apr_file_remove(missing, p);
    apr_file_remove(junk, p);
    apr_file_remove(cut, p);
    apr_file_remove(empty, p);
    apr_dir_remove(dir, p);
}

/* ------------------------------------------------ threads */

#define NTHREADS 8
#define ROUNDS 2000

typedef struct hammer_t {
    pt_geoip_t *g;
    int seed;
    int bad;
} hammer_t;

static void *APR_THREAD_FUNC hammer(apr_thread_t *th, void *arg)
{
    hammer_t *h = arg;
    apr_pool_t *p;
    int i, nknown = 0;

    while (known[nknown].ip) {
        nknown++;
    }
    apr_pool_create(&p, NULL);
    for (i = 0; i < ROUNDS; i++) {
        const expect_t *x = &known[(i + h->seed) % nknown];
        const char *nf = not_found[(i + h->seed) % 13];
        pt_geo_t geo;
        int found;

        if (pt_geoip_lookup(h->g, p, x->ip, &geo, &found, NULL)
            || !found || !geo_is(&geo, x)) {
            h->bad++;
        }
        if (pt_geoip_lookup(h->g, p, nf, &geo, &found, NULL) || found) {
            h->bad++;
        }
        if (i % 100 == 99) {
            apr_pool_clear(p);
        }
    }
    apr_pool_destroy(p);
    /* a plain return, not apr_thread_exit(): its pthread_exit unwinding
     * upsets AddressSanitizer's thread teardown */
    return NULL;
}

static void test_threads(pt_geoip_t *g, apr_pool_t *p)
{
    apr_thread_t *th[NTHREADS];
    hammer_t h[NTHREADS];
    int i, bad = 0, started = 1;

    for (i = 0; i < NTHREADS; i++) {
        h[i].g = g;
        h[i].seed = i * 5;
        h[i].bad = 0;
        if (apr_thread_create(&th[i], NULL, hammer, &h[i], p)) {
            th[i] = NULL;
            started = 0;
        }
    }
    for (i = 0; i < NTHREADS; i++) {
        apr_status_t trv;

        if (th[i]) {
            apr_thread_join(&trv, th[i]);
        }
        bad += h[i].bad;
    }
    PT_OK(started && bad == 0, "%d threads x %d lookups agree (%d differ)",
          NTHREADS, 2 * ROUNDS, bad);
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *sub;
    pt_geoip_t *g = NULL, *g2 = NULL;
    pt_err_t err = { 0 };
    apr_status_t rv;

    if (argc != 2) {
        fprintf(stderr, "usage: test_geoip DB.mmdb (t/unit/test_geoip.sh "
                "builds it with t/geoip/make-mmdb.pl)\n");
        printf("Bail out! no test database given\n");
        return 99;
    }
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);

    rv = pt_geoip_open(p, argv[1], &g, &err);
    PT_OK(rv == APR_SUCCESS, "opened %s%s%s", argv[1], err.what ? ": " : "",
          err.what ? err.what : "");
    if (rv != APR_SUCCESS) {
        return pt_test_done();
    }
    PT_IS_STR(pt_geoip_db_type(g), "GeoIP2-City", "database type");

    test_lookups(g, p);
    test_open_errors(p, argv[1]);
    test_threads(g, p);

    /* a second handle in a pool of its own: closed when that goes */
    apr_pool_create(&sub, p);
    rv = pt_geoip_open(sub, argv[1], &g2, NULL);
    PT_OK(rv == APR_SUCCESS, "second handle opened");
    apr_pool_destroy(sub);
    {
        pt_geo_t geo;
        int found = 0;

        rv = pt_geoip_lookup(g, p, "81.2.69.1", &geo, &found, NULL);
        PT_OK(rv == APR_SUCCESS && found && same(geo.city, "London"),
              "first handle still works after the second is closed");
    }

    apr_pool_destroy(p);
    return pt_test_done();
}
