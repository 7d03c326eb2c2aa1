/*
 * test_tsa.c -- unit tests of pt_tsa.c: key and certificate creation (modes,
 * atomic creation by racing processes, refusing bad files), time-stamps
 * checked by pt_tsa_verify() and by the `openssl ts` command line exactly as
 * users will run it, tampering, serials, policy, clock and threads.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "pt_tsa.h"
#include "pt_crypto.h"
#include "pt_sql.h"
#include "pt_test.h"

#define NAME "Portal Time-Stamping Authority"
#define OUT_MAX (64 * 1024)

static const char *base;        /* the temporary folder of this run */
static const char *ossl;        /* "OPENSSL_CONF=... openssl" */

static void sha256(const void *data, apr_size_t len, unsigned char *md)
{
    EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL);
}

static void put_file(apr_pool_t *p, const char *path, const void *data,
                     apr_size_t len)
{
    apr_file_t *f;
    apr_size_t n;

    apr_file_remove(path, p);
    if (apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                      APR_FPROT_UREAD | APR_FPROT_UWRITE, p) == APR_SUCCESS) {
        apr_file_write_full(f, data, len, &n);
        apr_file_close(f);
    }
}

/* The file's contents, or "(unreadable)". */
static const char *get_file(apr_pool_t *p, const char *path)
{
    char *buf;
    apr_size_t len;

    if (pt_file_read(p, path, &buf, &len, OUT_MAX, NULL) != APR_SUCCESS) {
        return "(unreadable)";
    }
    return buf;
}

static int file_mode(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Number of entries in dir, "." and ".." not counted. */
static int dir_entries(apr_pool_t *p, const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int n = 0;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return -1;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") && strcmp(fi.name, "..")) {
            n++;
        }
    }
    apr_dir_close(d);
    return n;
}

static const char *new_dir(apr_pool_t *p, const char *name)
{
    const char *dir = apr_pstrcat(p, base, "/", name, NULL);

    apr_dir_make(dir, APR_FPROT_OS_DEFAULT, p);
    return dir;
}

/* Run a shell command; *out gets stdout and stderr.  The exit status, or
 * -1 when it did not exit. */
static int run(apr_pool_t *p, const char *cmd, const char **out)
{
    FILE *f = popen(apr_pstrcat(p, "(", cmd, ") 2>&1", NULL), "r");
    char *buf = apr_palloc(p, OUT_MAX + 1);
    size_t n = 0, got;
    int status;

    if (!f) {
        *out = "(popen failed)";
        return -1;
    }
    while (n < OUT_MAX && (got = fread(buf + n, 1, OUT_MAX - n, f)) > 0) {
        n += got;
    }
    buf[n] = '\0';
    *out = buf;
    status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int has(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

/* Offset of needle in buf (it must be there: the test data is known). */
static apr_size_t find(const unsigned char *buf, apr_size_t len,
                       const unsigned char *needle, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i + n <= len; i++) {
        if (!memcmp(buf + i, needle, n)) {
            return i;
        }
    }
    return 0;
}

/* Line n (0 or 1) of `openssl ts -text`'s dump of a 32-byte digest, the
 * ASCII column left out: "    0010 - 1b b4 fc 71 63 af 34 d0-82 86 ...". */
static const char *hexdump_line(apr_pool_t *p, const unsigned char *d,
                                int n)
{
    const char *s = apr_psprintf(p, "    %04x - ", n * 16);
    int j;

    for (j = 0; j < 16; j++) {
        s = apr_psprintf(p, "%s%02x%s", s, d[n * 16 + j],
                         j == 7 ? "-" : j == 15 ? "" : " ");
    }
    return s;
}

/* ------------------------------------------------------------- creation */

static pt_tsa_t *test_create(apr_pool_t *p, const char *dir)
{
    const char *key = apr_pstrcat(p, dir, "/tsa.key", NULL);
    const char *crt = apr_pstrcat(p, dir, "/tsa.crt", NULL);
    pt_tsa_t *tsa = NULL, *again = NULL;
    apr_pool_t *sub;
    pt_err_t err = { 0 };
    int created = -1;
    apr_status_t rv;
    const char *out;

    rv = pt_tsa_open(p, dir, NAME, &tsa, &created, &err);
    PT_OK(rv == APR_SUCCESS, "open in an empty folder (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    if (rv != APR_SUCCESS) {
        return NULL;
    }
    PT_OK(created == 1, "created = 1 the first time");
    PT_OK(ERR_peek_error() == 0, "the OpenSSL error queue is empty");
    PT_OK(file_mode(key) == 0600, "tsa.key has mode 0600 (%o)",
          file_mode(key));
    PT_OK(file_mode(crt) == 0644, "tsa.crt has mode 0644 (%o)",
          file_mode(crt));
    PT_OK(dir_entries(p, dir) == 2, "no temporary files are left");
    PT_IS_STR(pt_tsa_cert_pem(tsa), get_file(p, crt),
              "pt_tsa_cert_pem is tsa.crt");
    PT_OK(!strncmp(pt_tsa_cert_pem(tsa), "-----BEGIN CERTIFICATE-----\n",
                   28), "the certificate is PEM");
    PT_OK(!strncmp(get_file(p, key), "-----BEGIN PRIVATE KEY-----\n", 28),
          "the key is PEM PKCS#8");

    apr_pool_create(&sub, p);
    created = -1;
    rv = pt_tsa_open(sub, dir, "Another Name", &again, &created, &err);
    PT_OK(rv == APR_SUCCESS && created == 0, "reopen: created = 0");
    PT_IS_STR(rv == APR_SUCCESS ? pt_tsa_cert_pem(again) : NULL,
              pt_tsa_cert_pem(tsa), "reopen: the same certificate");
    apr_pool_destroy(sub);

    /* what is in the certificate and the key */
    PT_OK(run(p, apr_pstrcat(p, ossl, " x509 -in ", crt, " -noout -subject"
                             " -ext basicConstraints,keyUsage,"
                             "extendedKeyUsage", NULL), &out) == 0,
          "openssl x509 reads tsa.crt");
    PT_OK(has(out, "subject=CN = " NAME "\n"), "subject CN = " NAME);
    PT_OK(has(out, "X509v3 Basic Constraints: critical\n    CA:FALSE"),
          "basicConstraints critical CA:FALSE");
    PT_OK(has(out, "X509v3 Key Usage: critical\n    Digital Signature,"
              " Non Repudiation\n"), "keyUsage critical digitalSignature,"
          " nonRepudiation");
    PT_OK(has(out, "X509v3 Extended Key Usage: critical\n    Time Stamping"
              "\n"), "extendedKeyUsage critical timeStamping");
    PT_OK(run(p, apr_pstrcat(p, ossl, " x509 -in ", crt, " -noout"
                             " -checkend 283824000", NULL), &out) == 0,
          "the certificate is valid for more than 9 years");
    PT_OK(run(p, apr_pstrcat(p, ossl, " x509 -in ", crt, " -noout"
                             " -checkend 347155200", NULL), &out) == 1,
          "and less than 11 years");
    PT_OK(run(p, apr_pstrcat(p, ossl, " pkey -in ", key, " -noout -text",
                             NULL), &out) == 0
          && has(out, "ASN1 OID: prime256v1"), "the key is ECDSA P-256");
    return tsa;
}

/* ------------------------------------------------------------- stamps */

static void test_stamp(apr_pool_t *p, pt_tsa_t *tsa, const char *dir)
{
    static const char data[] = "An uploaded file.\n";
    unsigned char md[PT_TSA_DIGEST_LEN], other[PT_TSA_DIGEST_LEN];
    unsigned char *der = NULL, *bad;
    apr_size_t len = 0, i, passed = 0, first_pass = 0;
    apr_time_t gen = 0, now = apr_time_now();
    pt_tsa_info_t info;
    pt_err_t err = { 0 };
    apr_status_t rv;

    sha256(data, sizeof(data) - 1, md);
    rv = pt_tsa_stamp(tsa, p, md, &der, &len, &err);
    PT_OK(rv == APR_SUCCESS && len > 0, "stamp (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    if (rv != APR_SUCCESS) {
        return;
    }
    rv = pt_tsa_verify(tsa, p, der, len, md, &gen, &err);
    PT_OK(rv == APR_SUCCESS, "pt_tsa_verify accepts it (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    PT_OK(gen >= now - apr_time_from_sec(5)
          && gen <= now + apr_time_from_sec(5),
          "gen_time is within 5 s of now");
    rv = pt_tsa_inspect(p, der, len, &info, &err);
    PT_OK(rv == APR_SUCCESS, "pt_tsa_inspect reads it");
    PT_IS_STR(info.digest, pt_hex_encode(p, md, sizeof(md)),
              "the imprint is the digest");
    PT_IS_STR(info.policy, PT_TSA_DEFAULT_POLICY, "the default policy");
    PT_OK(info.gen_time == gen, "inspect and verify agree on the time");
    PT_OK(strlen(info.serial) >= 16 && strlen(info.serial) <= 32,
          "the serial is a large number (%s)", info.serial);

    memcpy(other, md, sizeof(md));
    other[31] ^= 1;
    err.what = NULL;
    rv = pt_tsa_verify(tsa, p, der, len, other, &gen, &err);
    PT_OK(rv == APR_EGENERAL, "another digest does not verify");
    PT_OK(has(err.what, "the receipt is for other data (error:"),
          "and says so (%s)", err.what);
    PT_OK(ERR_peek_error() == 0, "the OpenSSL error queue is cleared");

    /* every single flipped byte breaks the receipt */
    bad = apr_pmemdup(p, der, len);
    for (i = 0; i < len; i++) {
        bad[i] ^= 0xff;
        if (pt_tsa_verify(tsa, p, bad, len, md, NULL, NULL)
            == APR_SUCCESS) {
            if (!passed++) {
                first_pass = i;
            }
        }
        bad[i] ^= 0xff;
    }
    PT_OK(passed == 0, "no receipt with a flipped byte verifies (%"
          APR_SIZE_T_FMT " did, first at offset %" APR_SIZE_T_FMT ")",
          passed, first_pass);
    err.what = NULL;
    bad[len - 5] ^= 0x01;
    rv = pt_tsa_verify(tsa, p, bad, len, md, NULL, &err);
    PT_OK(rv == APR_EGENERAL && has(err.what, "does not verify"),
          "a flipped signature bit does not verify (%s)", err.what);
    bad[len - 5] ^= 0x01;
    PT_OK(pt_tsa_verify(tsa, p, der, len - 1, md, NULL, &err)
          == APR_EGENERAL, "a truncated receipt does not verify");
    bad = apr_palloc(p, len + 1);
    memcpy(bad, der, len);
    bad[len] = 0;
    err.what = NULL;
    PT_OK(pt_tsa_verify(tsa, p, bad, len + 1, md, NULL, &err)
          == APR_EGENERAL && has(err.what, "1 extra bytes at its end"),
          "a receipt with a trailing byte does not verify (%s)", err.what);
    err.what = NULL;
    PT_OK(pt_tsa_verify(tsa, p, (const unsigned char *)"junk", 4, md, NULL,
                        &err) == APR_EGENERAL
          && has(err.what, "not an RFC 3161 time-stamp response"),
          "junk is not a receipt (%s)", err.what);
    PT_OK(pt_tsa_inspect(p, (const unsigned char *)"", 0, &info, &err)
          == APR_EGENERAL, "an empty receipt cannot be inspected");
    (void)dir;
}

static apr_time_t fixed_clock(void *baton)
{
    return *(apr_time_t *)baton;
}

/* `openssl ts` as users run it. */
static void test_cli(apr_pool_t *p, pt_tsa_t *tsa, const char *dir)
{
    static const char data[] = "Contract, signed, version 3.\n";
    static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov",
                                    "Dec" };
    const char *file = apr_pstrcat(p, dir, "/contract.txt", NULL);
    const char *other = apr_pstrcat(p, dir, "/other.txt", NULL);
    const char *tsr = apr_pstrcat(p, dir, "/receipt.tsr", NULL);
    const char *badtsr = apr_pstrcat(p, dir, "/bad.tsr", NULL);
    const char *crt = apr_pstrcat(p, dir, "/tsa.crt", NULL);
    unsigned char md[PT_TSA_DIGEST_LEN], *der = NULL, *bad;
    apr_size_t len = 0;
    apr_time_t at, gen = 0;
    apr_time_exp_t xt;
    pt_tsa_info_t info;
    pt_err_t err = { 0 };
    const char *out, *verify;
    apr_status_t rv;
    int code, i;

    /* a time that is not now, to see it come back exactly */
    at = apr_time_from_sec(apr_time_sec(apr_time_now()) + 3 * 3600 + 17);
    sha256(data, sizeof(data) - 1, md);
    pt_tsa_set_clock(tsa, fixed_clock, &at);
    rv = pt_tsa_stamp(tsa, p, md, &der, &len, &err);
    pt_tsa_set_clock(tsa, NULL, NULL);
    PT_OK(rv == APR_SUCCESS, "stamp at a fixed time (%s)",
          rv ? pt_err_str(&err, p) : "ok");
    if (rv != APR_SUCCESS) {
        return;
    }
    PT_OK(pt_tsa_verify(tsa, p, der, len, md, &gen, &err) == APR_SUCCESS
          && gen == at, "gen_time is the clock's time");
    pt_tsa_inspect(p, der, len, &info, &err);

    put_file(p, file, data, sizeof(data) - 1);
    put_file(p, other, "Contract, signed, version 4.\n", 29);
    put_file(p, tsr, der, len);
    put_file(p, crt, pt_tsa_cert_pem(tsa), strlen(pt_tsa_cert_pem(tsa)));

    verify = apr_pstrcat(p, ossl, " ts -verify -in ", tsr, " -CAfile ", crt,
                         NULL);
    code = run(p, apr_pstrcat(p, verify, " -data ", file, NULL), &out);
    PT_OK(code == 0 && has(out, "Verification: OK"),
          "openssl ts -verify -data FILE: Verification: OK");
    if (code != 0) {
        printf("# %s", out);
    }
    code = run(p, apr_pstrcat(p, verify, " -digest ",
                              pt_hex_encode(p, md, sizeof(md)), NULL), &out);
    PT_OK(code == 0 && has(out, "Verification: OK"),
          "openssl ts -verify -digest HEX: Verification: OK");
    code = run(p, apr_pstrcat(p, verify, " -data ", other, NULL), &out);
    PT_OK(code != 0 && !has(out, "Verification: OK")
          && has(out, "message imprint mismatch"),
          "openssl ts -verify with other data fails (exit %d)", code);

    /* one flipped bit in the middle (the embedded certificate), in the
     * signed imprint, in the signature */
    for (i = 0; i < 3; i++) {
        apr_size_t at_byte = len / 2;

        if (i == 1) {
            at_byte = find(der, len, md, sizeof(md)) + 7;
        }
        else if (i == 2) {
            at_byte = len - 3;
        }
        bad = apr_pmemdup(p, der, len);
        bad[at_byte] ^= 0x01;
        put_file(p, badtsr, bad, len);
        code = run(p, apr_pstrcat(p, ossl, " ts -verify -in ", badtsr,
                                  " -CAfile ", crt, " -data ", file, NULL),
                   &out);
        PT_OK(code != 0 && !has(out, "Verification: OK"),
              "openssl ts -verify of a receipt with a bit flipped at %"
              APR_SIZE_T_FMT "/%" APR_SIZE_T_FMT " fails (exit %d)",
              at_byte, len, code);
    }

    code = run(p, apr_pstrcat(p, ossl, " ts -reply -in ", tsr, " -text",
                              NULL), &out);
    PT_OK(code == 0, "openssl ts -reply -text reads the receipt");
    PT_OK(has(out, "Status: Granted.\n"), "status granted");
    PT_OK(has(out, "Version: 1\n"), "version 1");
    PT_OK(has(out, "Policy OID: " PT_TSA_DEFAULT_POLICY "\n"),
          "the policy");
    PT_OK(has(out, "Hash Algorithm: sha256\n"), "SHA-256");
    PT_OK(has(out, apr_pstrcat(p, "Message data:\n", hexdump_line(p, md, 0),
                               NULL))
          && has(out, apr_pstrcat(p, "\n", hexdump_line(p, md, 1), NULL)),
          "the imprint is the digest");
    PT_OK(has(out, apr_pstrcat(p, "Serial number: 0x", info.serial, "\n",
                               NULL)), "the serial (0x%s)", info.serial);
    apr_time_exp_gmt(&xt, at);
    PT_OK(has(out, apr_psprintf(p, "Time stamp: %s %2d %02d:%02d:%02d %d"
                                " GMT\n", months[xt.tm_mon], xt.tm_mday,
                                xt.tm_hour, xt.tm_min, xt.tm_sec,
                                xt.tm_year + 1900)), "the time");
    PT_OK(has(out, "Accuracy: 0x01 seconds, unspecified millis,"
              " unspecified micros\n"), "accuracy 1 second");
    PT_OK(has(out, "Ordering: no\n"), "ordering false");
    PT_OK(has(out, "Nonce: unspecified\n"), "no nonce");
    PT_OK(has(out, "TSA: DirName:/CN=" NAME "\n"), "the TSA name");
    if (!has(out, "Ordering: no")) {
        printf("# %s", out);
    }

    /* the token alone, the way other tools keep it */
    code = run(p, apr_pstrcat(p, ossl, " ts -reply -in ", tsr,
                              " -token_out -out ", dir, "/token.der", NULL),
               &out);
    PT_OK(code == 0, "openssl extracts the token");
    code = run(p, apr_pstrcat(p, ossl, " ts -verify -token_in -in ", dir,
                              "/token.der -CAfile ", crt, " -data ", file,
                              NULL), &out);
    PT_OK(code == 0 && has(out, "Verification: OK"),
          "the token alone verifies");
}

static void test_serials(apr_pool_t *p, pt_tsa_t *tsa)
{
    unsigned char md[PT_TSA_DIGEST_LEN], *d1 = NULL, *d2 = NULL;
    apr_size_t l1 = 0, l2 = 0;
    pt_tsa_info_t i1, i2;
    pt_err_t err = { 0 };

    sha256("same", 4, md);
    PT_OK(pt_tsa_stamp(tsa, p, md, &d1, &l1, &err) == APR_SUCCESS
          && pt_tsa_stamp(tsa, p, md, &d2, &l2, &err) == APR_SUCCESS,
          "two stamps of one digest");
    PT_OK(pt_tsa_inspect(p, d1, l1, &i1, &err) == APR_SUCCESS
          && pt_tsa_inspect(p, d2, l2, &i2, &err) == APR_SUCCESS,
          "both read back");
    PT_OK(strcmp(i1.serial, i2.serial) != 0, "have different serials"
          " (%s, %s)", i1.serial, i2.serial);
    PT_OK(pt_tsa_verify(tsa, p, d2, l2, md, NULL, &err) == APR_SUCCESS,
          "and both verify");
}

static void test_policy_clock(apr_pool_t *p, pt_tsa_t *tsa, const char *dir)
{
    unsigned char md[PT_TSA_DIGEST_LEN], *der = NULL;
    apr_size_t len = 0;
    apr_time_t at;
    pt_tsa_info_t info;
    pt_err_t err = { 0 };
    const char *out;
    const char *tsr = apr_pstrcat(p, dir, "/policy.tsr", NULL);

    sha256("policy", 6, md);
    PT_OK(pt_tsa_set_policy(tsa, "1.3.6.1.4.1.99999.1.2", &err)
          == APR_SUCCESS, "set another policy");
    PT_OK(pt_tsa_stamp(tsa, p, md, &der, &len, &err) == APR_SUCCESS
          && pt_tsa_inspect(p, der, len, &info, &err) == APR_SUCCESS,
          "stamp with it");
    PT_IS_STR(info.policy, "1.3.6.1.4.1.99999.1.2", "the token has it");
    put_file(p, tsr, der, len);
    PT_OK(run(p, apr_pstrcat(p, ossl, " ts -reply -in ", tsr, " -text",
                             NULL), &out) == 0
          && has(out, "Policy OID: 1.3.6.1.4.1.99999.1.2\n"),
          "openssl shows it");
    err.what = NULL;
    PT_OK(pt_tsa_set_policy(tsa, "tsa_policy1", &err) == APR_EINVAL
          && has(err.what, "dotted numbers"), "a name is not an OID (%s)",
          err.what);
    PT_OK(pt_tsa_set_policy(tsa, "", &err) == APR_EINVAL, "nor is \"\"");
    PT_OK(pt_tsa_set_policy(tsa, "1.2..3", &err) == APR_EINVAL,
          "nor is 1.2..3");
    PT_OK(pt_tsa_set_policy(tsa, "7.1", &err) == APR_EINVAL,
          "nor is 7.1 (no such first arc)");
    PT_OK(ERR_peek_error() == 0, "the OpenSSL error queue is cleared");
    PT_OK(pt_tsa_set_policy(tsa, PT_TSA_DEFAULT_POLICY, &err)
          == APR_SUCCESS, "back to the default policy");

    at = apr_time_now() + apr_time_from_sec(11 * 366 * 86400LL);
    pt_tsa_set_clock(tsa, fixed_clock, &at);
    err.what = NULL;
    PT_OK(pt_tsa_stamp(tsa, p, md, &der, &len, &err) == APR_EGENERAL
          && has(err.what, "needs renewing"), "no stamps after the"
          " certificate expired (%s)", err.what);
    at = apr_time_now() - apr_time_from_sec(86400);
    err.what = NULL;
    PT_OK(pt_tsa_stamp(tsa, p, md, &der, &len, &err) == APR_EGENERAL,
          "nor before it is valid");
    pt_tsa_set_clock(tsa, NULL, NULL);
}

/* ------------------------------------------------------------- threads */

#define THREADS 8
#define PER_THREAD 25

typedef struct {
    pt_tsa_t *tsa;
    int id;
    int stamped;
    int verified;
    char serials[PER_THREAD][40];
} job_t;

static void *APR_THREAD_FUNC stamp_thread(apr_thread_t *th, void *data)
{
    job_t *job = data;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < PER_THREAD; i++) {
        const char *s = apr_psprintf(p, "thread %d item %d", job->id, i);
        unsigned char md[PT_TSA_DIGEST_LEN], *der;
        apr_size_t len;
        pt_tsa_info_t info;
        pt_err_t err = { 0 };

        sha256(s, strlen(s), md);
        if (pt_tsa_stamp(job->tsa, p, md, &der, &len, &err)
            != APR_SUCCESS) {
            continue;
        }
        job->stamped++;
        if (pt_tsa_verify(job->tsa, p, der, len, md, NULL, &err)
            == APR_SUCCESS
            && pt_tsa_inspect(p, der, len, &info, &err) == APR_SUCCESS
            && !strcmp(info.digest, pt_hex_encode(p, md, sizeof(md)))) {
            job->verified++;
            apr_cpystrn(job->serials[i], info.serial,
                        sizeof(job->serials[i]));
        }
    }
    apr_pool_destroy(p);
    /* returning rather than apr_thread_exit(): the latter's pthread_exit
     * upsets AddressSanitizer */
    return NULL;
}

static void test_threads(apr_pool_t *p, pt_tsa_t *tsa)
{
    apr_thread_t *th[THREADS];
    job_t *jobs = apr_pcalloc(p, sizeof(job_t) * THREADS);
    apr_hash_t *seen = apr_hash_make(p);
    apr_status_t trv;
    int i, k, started = 0, stamped = 0, verified = 0;

    for (i = 0; i < THREADS; i++) {
        jobs[i].tsa = tsa;
        jobs[i].id = i;
        if (apr_thread_create(&th[i], NULL, stamp_thread, &jobs[i], p)
            == APR_SUCCESS) {
            started++;
        }
    }
    for (i = 0; i < started; i++) {
        apr_thread_join(&trv, th[i]);
    }
    for (i = 0; i < THREADS; i++) {
        stamped += jobs[i].stamped;
        verified += jobs[i].verified;
        for (k = 0; k < PER_THREAD; k++) {
            if (jobs[i].serials[k][0]) {
                apr_hash_set(seen, jobs[i].serials[k], APR_HASH_KEY_STRING,
                             "");
            }
        }
    }
    PT_OK(started == THREADS, "%d threads started", THREADS);
    PT_OK(stamped == THREADS * PER_THREAD, "%d stamps made at once (%d)",
          THREADS * PER_THREAD, stamped);
    PT_OK(verified == THREADS * PER_THREAD, "all verify (%d)", verified);
    PT_OK(apr_hash_count(seen) == THREADS * PER_THREAD,
          "all serials differ (%u)", apr_hash_count(seen));
}

/* ------------------------------------------------------------- races */

#define RACERS 8

/* RACERS processes open one empty folder at the same moment. */
static void test_race(apr_pool_t *p)
{
    const char *dir = new_dir(p, "race");
    int gate[2], results[2];
    pid_t pids[RACERS];
    char buf[RACERS * 128 + 1];
    const char *want, *line;
    apr_size_t n = 0;
    ssize_t got;
    int i, ok = 0, same = 0, created = 0, status;
    unsigned char md[PT_TSA_DIGEST_LEN];
    pt_tsa_t *tsa;
    pt_err_t err = { 0 };

    if (pipe(gate) != 0 || pipe(results) != 0) {
        PT_OK(0, "pipes for the race");
        return;
    }
    fflush(stdout);
    for (i = 0; i < RACERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            apr_pool_t *cp;
            char c;
            const char *msg;

            close(gate[1]);
            close(results[0]);
            if (read(gate[0], &c, 1) != 0) {    /* wait for the start */
                _exit(2);
            }
            apr_pool_create(&cp, NULL);
            created = -1;
            if (pt_tsa_open(cp, dir, NAME, &tsa, &created, &err)
                == APR_SUCCESS) {
                const char *pem = pt_tsa_cert_pem(tsa);

                sha256(pem, strlen(pem), md);
                msg = apr_psprintf(cp, "ok %d %s\n", created,
                                   pt_hex_encode(cp, md, sizeof(md)));
            }
            else {
                msg = apr_psprintf(cp, "error %.80s\n",
                                   pt_err_str(&err, cp));
            }
            if (write(results[1], msg, strlen(msg)) < 0) {
                _exit(3);
            }
            _exit(0);
        }
    }
    close(gate[0]);
    close(results[1]);
    close(gate[1]);                 /* go */
    while (n < sizeof(buf) - 1
           && (got = read(results[0], buf + n, sizeof(buf) - 1 - n)) > 0) {
        n += (apr_size_t)got;
    }
    buf[n] = '\0';
    close(results[0]);
    for (i = 0; i < RACERS; i++) {
        if (pids[i] > 0) {
            waitpid(pids[i], &status, 0);
        }
    }
    want = get_file(p, apr_pstrcat(p, dir, "/tsa.crt", NULL));
    sha256(want, strlen(want), md);
    want = pt_hex_encode(p, md, sizeof(md));
    for (line = buf; *line; line = strchr(line, '\n') + 1) {
        if (!strncmp(line, "ok ", 3)) {
            ok++;
            created += line[3] == '1';
            same += !strncmp(line + 5, want, 64);
        }
        else {
            printf("# %.*s\n", (int)(strcspn(line, "\n")), line);
        }
        if (!strchr(line, '\n')) {
            break;
        }
    }
    PT_OK(ok == RACERS, "%d racing processes all opened (%d)", RACERS, ok);
    PT_OK(same == RACERS, "all ended with the certificate on disk (%d)",
          same);
    PT_OK(created >= 1 && created <= 2, "one or two of them created"
          " something (%d: the key and the certificate may be made by"
          " different ones)", created);
    PT_OK(dir_entries(p, dir) == 2, "no temporary files are left (%d"
          " entries)", dir_entries(p, dir));
    created = -1;
    PT_OK(pt_tsa_open(p, dir, NAME, &tsa, &created, &err) == APR_SUCCESS
          && created == 0, "the result opens without changes");
}

/* ------------------------------------------------------------- bad files */

/* A folder holding key and cert (either may be NULL: absent). */
static const char *pair_dir(apr_pool_t *p, const char *name, const char *key,
                            apr_size_t keylen, const char *crt)
{
    const char *dir = new_dir(p, name);

    if (key) {
        put_file(p, apr_pstrcat(p, dir, "/tsa.key", NULL), key, keylen);
    }
    if (crt) {
        put_file(p, apr_pstrcat(p, dir, "/tsa.crt", NULL), crt, strlen(crt));
    }
    return dir;
}

/* pt_tsa_open(dir) must fail with an error containing needle, leave the
 * folder as it was and the OpenSSL error queue empty. */
static void open_fails(apr_pool_t *p, const char *dir, const char *name,
                       const char *needle, const char *what)
{
    const char *key = apr_pstrcat(p, dir, "/tsa.key", NULL);
    const char *crt = apr_pstrcat(p, dir, "/tsa.crt", NULL);
    const char *key_before = get_file(p, key), *crt_before = get_file(p, crt);
    int entries = dir_entries(p, dir), created = -1;
    pt_tsa_t *tsa = NULL;
    pt_err_t err = { 0 };
    apr_status_t rv = pt_tsa_open(p, dir, name, &tsa, &created, &err);

    PT_OK(rv != APR_SUCCESS && created == 0 && has(err.what, needle),
          "%s: refused (%s)", what, rv ? pt_err_str(&err, p) : "opened!");
    PT_OK(!strcmp(get_file(p, key), key_before)
          && !strcmp(get_file(p, crt), crt_before)
          && dir_entries(p, dir) == entries, "%s: nothing changed", what);
    PT_OK(ERR_peek_error() == 0, "%s: the OpenSSL error queue is empty",
          what);
}

static void test_bad_files(apr_pool_t *p, const char *good)
{
    const char *key = get_file(p, apr_pstrcat(p, good, "/tsa.key", NULL));
    const char *crt = get_file(p, apr_pstrcat(p, good, "/tsa.crt", NULL));
    const char *other_dir = new_dir(p, "other"), *dir, *out, *bad;
    pt_tsa_t *tsa, *other = NULL;
    pt_err_t err = { 0 };
    int created;
    char *flipped;
    const char *long_name;
    mode_t mask;

    mask = umask(077);
    PT_OK(pt_tsa_open(p, other_dir, "Other TSA", &other, &created, &err)
          == APR_SUCCESS, "a second TSA, made with umask 077");
    umask(mask);
    PT_OK(file_mode(apr_pstrcat(p, other_dir, "/tsa.crt", NULL)) == 0644,
          "its certificate has mode 0644 all the same");
    if (!other) {
        return;
    }
    dir = pair_dir(p, "mismatch", key, strlen(key), pt_tsa_cert_pem(other));
    open_fails(p, dir, NAME, "does not belong to the TSA key",
               "a certificate of another key");

    bad = "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAA\n"
          "-----END PRIVATE KEY-----\n";
    dir = pair_dir(p, "corrupt", bad, strlen(bad), crt);
    open_fails(p, dir, NAME, "not a readable PEM private key; restore",
               "a corrupt key");
    dir = pair_dir(p, "garbage", "\x01\x02garbage", 9, crt);
    open_fails(p, dir, NAME, "(error:", "a key of garbage");
    dir = pair_dir(p, "emptykey", "", 0, crt);
    open_fails(p, dir, NAME, "not a readable PEM private key",
               "an empty key file");
    /* P-256 PKCS#8: base64 of the fixed header up to about offset 76 of
     * the PEM, then of the private scalar */
    flipped = apr_pstrdup(p, key);
    flipped[60] = flipped[60] == 'A' ? 'B' : 'A';
    dir = pair_dir(p, "flipped", flipped, strlen(flipped), crt);
    open_fails(p, dir, NAME, "not a readable PEM private key",
               "a key with its curve changed");
    flipped = apr_pstrdup(p, key);
    flipped[80] = flipped[80] == 'A' ? 'B' : 'A';
    dir = pair_dir(p, "scalar", flipped, strlen(flipped), crt);
    open_fails(p, dir, NAME, "self-test: a time-stamp made with tsa.key and tsa.crt fails: the receipt does not verify",
               "a key with its private part changed");

    dir = pair_dir(p, "nokey", NULL, 0, crt);
    open_fails(p, dir, NAME, "missing, but tsa.crt is there",
               "a certificate without its key");
    dir = pair_dir(p, "badcrt", key, strlen(key), "-----BEGIN CERTIFICATE"
                   "-----\nAAAA\n-----END CERTIFICATE-----\n");
    open_fails(p, dir, NAME, "not a readable PEM certificate",
               "a corrupt certificate");
    dir = pair_dir(p, "emptycrt", key, strlen(key), "");
    open_fails(p, dir, NAME, "not a readable PEM certificate",
               "an empty certificate file");
    open_fails(p, apr_pstrcat(p, base, "/no-such-dir", NULL), NAME,
               "cannot create", "a missing key folder");
    open_fails(p, new_dir(p, "noname"), "", "name is empty", "no name");
    long_name = apr_pstrcat(p, "1234567890123456789012345678901234567890",
                            "12345678901234567890123456", NULL);
    open_fails(p, new_dir(p, "longname"), long_name, "longer than 64",
               "a 66-character name");
    open_fails(p, new_dir(p, "ctlname"), "TSA\n", "control character",
               "a name with a newline");

    /* a certificate for the right key, but not for time-stamping */
    dir = pair_dir(p, "noeku", key, strlen(key), NULL);
    PT_OK(run(p, apr_pstrcat(p, ossl, " req -new -x509 -key ", dir,
                             "/tsa.key -subj /CN=Web -days 30 -out ", dir,
                             "/tsa.crt", NULL), &out) == 0,
          "openssl makes a certificate without timeStamping");
    open_fails(p, dir, NAME, "not for time-stamping",
               "a certificate for another purpose");

    /* a crash between key and certificate: the certificate is made again */
    dir = pair_dir(p, "keyonly", key, strlen(key), NULL);
    created = -1;
    PT_OK(pt_tsa_open(p, dir, NAME, &tsa, &created, &err) == APR_SUCCESS
          && created == 1, "only the key: a certificate is made for it");
    PT_IS_STR(get_file(p, apr_pstrcat(p, dir, "/tsa.key", NULL)), key,
              "and the key is kept");
}

/* A TSA certificate issued by a small CA: tsa.crt = leaf + CA. */
static void test_chain(apr_pool_t *p, const char *good)
{
    const char *dir = new_dir(p, "chain");
    const char *cnf = apr_pstrcat(p, dir, "/ext.cnf", NULL);
    const char *data = apr_pstrcat(p, dir, "/data.txt", NULL);
    const char *tsr = apr_pstrcat(p, dir, "/r.tsr", NULL);
    const char *pub = apr_pstrcat(p, dir, "/pub.crt", NULL);
    const char *ext = "[ca]\nbasicConstraints=critical,CA:TRUE\n"
                      "keyUsage=critical,keyCertSign\n"
                      "[tsa]\nbasicConstraints=critical,CA:FALSE\n"
                      "keyUsage=critical,digitalSignature\n"
                      "extendedKeyUsage=critical,timeStamping\n";
    const char *cmd, *out;
    unsigned char md[PT_TSA_DIGEST_LEN], *der = NULL;
    apr_size_t len = 0;
    pt_tsa_t *tsa = NULL;
    pt_err_t err = { 0 };
    int created = -1;
    apr_status_t rv;

    put_file(p, cnf, ext, strlen(ext));
    put_file(p, data, "chained\n", 8);
    put_file(p, apr_pstrcat(p, dir, "/tsa.key", NULL),
             get_file(p, apr_pstrcat(p, good, "/tsa.key", NULL)),
             strlen(get_file(p, apr_pstrcat(p, good, "/tsa.key", NULL))));
    cmd = apr_psprintf(p, "cd %s && %s req -x509 -newkey ec -pkeyopt"
                       " ec_paramgen_curve:P-256 -nodes -keyout ca.key"
                       " -subj /CN=Test-CA -days 30 -extensions ca"
                       " -config ext.cnf -out ca.crt && %s req -new -key"
                       " tsa.key -subj /CN=Chained-TSA -out tsa.csr && %s"
                       " x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key"
                       " -CAcreateserial -days 30 -extfile ext.cnf"
                       " -extensions tsa -out leaf.crt && cat leaf.crt"
                       " ca.crt > tsa.crt", dir, ossl, ossl, ossl);
    PT_OK(run(p, cmd, &out) == 0, "openssl makes a CA and a TSA leaf");
    rv = pt_tsa_open(p, dir, NAME, &tsa, &created, &err);
    PT_OK(rv == APR_SUCCESS && created == 0, "tsa.crt = leaf + CA opens"
          " (%s)", rv ? pt_err_str(&err, p) : "ok");
    if (rv != APR_SUCCESS) {
        return;
    }
    PT_IS_STR(pt_tsa_cert_pem(tsa),
              apr_pstrcat(p, get_file(p, apr_pstrcat(p, dir, "/leaf.crt",
                                                     NULL)),
                          get_file(p, apr_pstrcat(p, dir, "/ca.crt", NULL)),
                          NULL), "both are published");
    sha256("chained\n", 8, md);
    PT_OK(pt_tsa_stamp(tsa, p, md, &der, &len, &err) == APR_SUCCESS
          && pt_tsa_verify(tsa, p, der, len, md, NULL, &err) == APR_SUCCESS,
          "stamp and verify with the chain");
    put_file(p, tsr, der, len);
    put_file(p, pub, pt_tsa_cert_pem(tsa), strlen(pt_tsa_cert_pem(tsa)));
    PT_OK(run(p, apr_pstrcat(p, ossl, " ts -verify -in ", tsr, " -CAfile ",
                             pub, " -data ", data, NULL), &out) == 0
          && has(out, "Verification: OK"), "openssl verifies it with the"
          " published certificates");
    put_file(p, pub, get_file(p, apr_pstrcat(p, dir, "/ca.crt", NULL)),
             strlen(get_file(p, apr_pstrcat(p, dir, "/ca.crt", NULL))));
    PT_OK(run(p, apr_pstrcat(p, ossl, " ts -verify -in ", tsr, " -CAfile ",
                             pub, " -data ", data, NULL), &out) == 0
          && has(out, "Verification: OK"), "and with the CA alone (the"
          " leaf is in the token)");
}

int main(void)
{
    apr_pool_t *p;
    char tmpl[] = "/tmp/pt-tsa-XXXXXX";
    const char *dir, *out;
    pt_tsa_t *tsa;

    apr_initialize();
    apr_pool_create(&p, NULL);
    if (!mkdtemp(tmpl)) {
        PT_OK(0, "a temporary folder");
        return pt_test_done();
    }
    base = tmpl;
    put_file(p, apr_pstrcat(p, base, "/empty.cnf", NULL), "", 0);
    ossl = apr_pstrcat(p, "OPENSSL_CONF=", base, "/empty.cnf openssl", NULL);
    PT_OK(run(p, apr_pstrcat(p, ossl, " version", NULL), &out) == 0,
          "the openssl command is there (%.40s)", out);

    dir = new_dir(p, "keys");
    tsa = test_create(p, dir);
    if (tsa) {
        test_stamp(p, tsa, dir);
        test_cli(p, tsa, dir);
        test_serials(p, tsa);
        test_policy_clock(p, tsa, dir);
        test_threads(p, tsa);
        test_bad_files(p, dir);
        test_chain(p, dir);
    }
    test_race(p);

    if (!getenv("PT_TSA_KEEP")) {
        run(p, apr_pstrcat(p, "rm -rf ", base, NULL), &out);
    }
    else {
        printf("# kept %s\n", base);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
