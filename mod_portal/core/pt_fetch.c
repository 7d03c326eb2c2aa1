/*
 * pt_fetch.c -- fetch a feed over HTTP(S) or from a file with libcurl (see
 * pt_fetch.h).
 *
 * Redirects are followed here, not by libcurl (CURLOPT_FOLLOWLOCATION is
 * off): libcurl would send the extra headers (API keys) to whatever host a
 * redirect names, while this file sends them only to the origin (scheme,
 * host, port) of the URL it was given.  Each response is one
 * curl_easy_perform() on the same handle (curl_easy_reset() between them
 * keeps its connections and DNS cache); a 3xx with a Location starts the
 * next one, up to PT_FETCH_MAX_REDIRECTS, with CURLOPT_PROTOCOLS_STR
 * "http,https" (the first request alone may be file://).  One deadline
 * covers them all.
 *
 * The header callback notes the status line and the validators (ETag,
 * Last-Modified) of each response; the write callback takes only the body
 * of a 2xx (or of a file), into a pt_buf capped at max_bytes, and stops
 * the transfer (returns 0) on any other body or when the cap is passed --
 * the reason is kept, so the message says "HTTP 500" or "body larger
 * than", not libcurl's "failed writing received data".
 *
 * Messages never contain the URL (its query or user part may hold a key)
 * nor, even by accident, any value of req->headers: scrub() removes them
 * from whatever libcurl wrote.
 *
 * Longer than the ~600 lines of the norm: one transfer: libcurl's set-up,
 * the redirects followed by hand (keys never sent to another origin), the
 * size cap and the conditional headers share its state.
 */
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <curl/curl.h>

#include "pt_curl.h"

#include "pt_buf.h"
#include "pt_fetch.h"

#if LIBCURL_VERSION_NUM < 0x075500
#error "pt_fetch.c needs libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR)"
#endif

#define HDR_VALUE_MAX 1024      /* longest ETag / Last-Modified kept */
#define LOCATION_MAX 8192       /* longest Location followed */
#define ERRMSG_MAX 300          /* longest err->what */
#define BUF_INITIAL 16384       /* body buffer when no length is known */
#define REDACT_MIN 4            /* shorter header values are not scrubbed */

/* The state of one pt_fetch() call; from the pool, because libcurl's
 * callbacks write into it. */
typedef struct fetch_t {
    apr_pool_t *pool;
    const pt_fetch_req_t *req;
    CURL *h;
    char errbuf[CURL_ERROR_SIZE];
    long connect_timeout;       /* with the defaults applied */
    long timeout;
    apr_size_t max;
    apr_time_t start;
    apr_time_t deadline;
    const char *origin;         /* "scheme://host:port" of req->url, or
                                 * NULL (file://) */
    struct curl_slist *hdrs_all;    /* validators and extra headers */
    struct curl_slist *hdrs_plain;  /* validators only */
    /* the current response */
    int is_file;
    long status;                /* of the last status line, 0 before */
    char etag[HDR_VALUE_MAX + 1];
    char last_modified[HDR_VALUE_MAX + 1];
    char location[LOCATION_MAX + 1];
    pt_buf_t body;
    int body_ready;             /* body initialised */
    int too_big;                /* the body passed max */
} fetch_t;

/* ------------------------------------------------------------ helpers */

/* 1 when s has a byte below 0x20 (other than HT, when tab_ok) or 0x7f. */
static int has_ctl(const char *s, int tab_ok)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* The value of a "Name: value" line without the white space around it
 * ("" without a colon). */
static const char *header_line_value(apr_pool_t *p, const char *line)
{
    const char *v = strchr(line, ':');
    apr_size_t n;

    if (!v) {
        return "";
    }
    v++;
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
        n--;
    }
    return apr_pstrmemdup(p, v, n);
}

/* 1 for "Name: value": a non-empty token (RFC 9110 tchar) before the
 * colon, no control character but HT. */
static int header_line_ok(const char *line)
{
    const char *s;

    for (s = line; *s && *s != ':'; s++) {
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s)) {
            return 0;
        }
    }
    return s > line && *s == ':' && !has_ctl(line, 1);
}

/*
 * msg made fit for err->what: every value of the extra headers (of
 * REDACT_MIN bytes or more) replaced by "[redacted]", control characters
 * by spaces, at most ERRMSG_MAX bytes, on one line.
 */
static const char *scrub(fetch_t *f, const char *msg)
{
    const char *const *hp;
    char *out;
    apr_size_t i;

    for (hp = f->req->headers; hp && *hp; hp++) {
        const char *v = header_line_value(f->pool, *hp);
        apr_size_t vlen = strlen(v);
        const char *hit;

        if (vlen < REDACT_MIN) {
            continue;
        }
        while ((hit = strstr(msg, v)) != NULL) {
            msg = apr_pstrcat(f->pool,
                              apr_pstrmemdup(f->pool, msg,
                                             (apr_size_t)(hit - msg)),
                              "[redacted]", hit + vlen, NULL);
        }
    }
    out = apr_pstrndup(f->pool, msg, ERRMSG_MAX);
    for (i = 0; out[i]; i++) {
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
            out[i] = ' ';
        }
    }
    while (i > 0 && out[i - 1] == ' ') {
        out[--i] = '\0';
    }
    return out;
}

/* Set err to the formatted message, scrubbed. */
static apr_status_t fail(fetch_t *f, pt_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static apr_status_t fail(fetch_t *f, pt_err_t *err, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    va_start(ap, fmt);
    msg = apr_pvsprintf(f->pool, fmt, ap);
    va_end(ap);
    return pt_err_set(err, f->pool, NULL, 0, "%s", scrub(f, msg));
}

/* The parts of an absolute URL, from libcurl's parser (any scheme);
 * APR_EGENERAL when it cannot be parsed.  *host is "" for file://. */
static apr_status_t url_parts(apr_pool_t *p, const char *url,
                              const char **scheme, const char **host,
                              const char **port)
{
    CURLU *u = curl_url();
    char *s = NULL, *h = NULL, *n = NULL;
    apr_status_t rv = APR_EGENERAL;

    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)
                 == CURLUE_OK
        && curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK) {
        char *c;

        *scheme = c = apr_pstrdup(p, s);
        for (; *c; c++) {
            *c = apr_tolower(*c);
        }
        *host = "";
        *port = "";
        if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
            *host = c = apr_pstrdup(p, h);
            for (; *c; c++) {
                *c = apr_tolower(*c);
            }
        }
        if (curl_url_get(u, CURLUPART_PORT, &n, CURLU_DEFAULT_PORT)
            == CURLUE_OK) {
            *port = apr_pstrdup(p, n);
        }
        rv = APR_SUCCESS;
    }
    curl_free(s);
    curl_free(h);
    curl_free(n);
    curl_url_cleanup(u);
    return rv;
}

/* "scheme://host:port" of an http(s) URL, or NULL. */
static const char *url_origin(apr_pool_t *p, const char *url)
{
    const char *scheme, *host, *port;

    if (url_parts(p, url, &scheme, &host, &port) != APR_SUCCESS
        || (strcmp(scheme, "http") && strcmp(scheme, "https")) || !*host) {
        return NULL;
    }
    return apr_pstrcat(p, scheme, "://", host, ":", port, NULL);
}

/* The host of url for messages ("the server" when there is none). */
static const char *url_host(apr_pool_t *p, const char *url)
{
    const char *scheme, *host, *port;

    if (url_parts(p, url, &scheme, &host, &port) != APR_SUCCESS || !*host) {
        return "the server";
    }
    return host;
}

/* The scheme of an absolute URL, lower-case (at most 16 bytes), or NULL
 * for a relative one. */
static const char *url_scheme(apr_pool_t *p, const char *url)
{
    apr_size_t n = 0;
    char *s;

    if (!apr_isalpha(url[0])) {
        return NULL;
    }
    while (apr_isalnum(url[n]) || url[n] == '+' || url[n] == '-'
           || url[n] == '.') {
        n++;
    }
    if (url[n] != ':') {
        return NULL;
    }
    s = apr_pstrmemdup(p, url, n < 16 ? n : 16);
    for (n = 0; s[n]; n++) {
        s[n] = apr_tolower(s[n]);
    }
    return s;
}

/* location (absolute or relative) resolved against url as libcurl would,
 * or NULL when it is not a URL. */
static const char *url_resolve(apr_pool_t *p, const char *url,
                               const char *location)
{
    CURLU *u = curl_url();
    char *s = NULL;
    const char *r = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_URL, location,
                        CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE
                        | CURLU_ALLOW_SPACE) == CURLUE_OK
        && curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
        r = apr_pstrdup(p, s);
    }
    curl_free(s);
    curl_url_cleanup(u);
    return r;
}

/* Append s to *l; 0 when memory ran out (*l is kept). */
static int add_header(struct curl_slist **l, const char *s)
{
    struct curl_slist *n = curl_slist_append(*l, s);

    if (!n) {
        return 0;
    }
    *l = n;
    return 1;
}

/* Check req's validators and extra headers and build f->hdrs_all and
 * f->hdrs_plain (registered with f->pool). */
static apr_status_t build_headers(fetch_t *f, pt_err_t *err)
{
    const pt_fetch_req_t *req = f->req;
    struct curl_slist *all = NULL, *plain = NULL;
    const char *const *hp;
    int ok = 1, i;

    if (req->etag && has_ctl(req->etag, 0)) {
        return fail(f, err, "the previous ETag has a control character");
    }
    if (req->last_modified && has_ctl(req->last_modified, 0)) {
        return fail(f, err, "the previous Last-Modified has a control "
                    "character");
    }
    for (hp = req->headers, i = 1; hp && *hp; hp++, i++) {
        if (!header_line_ok(*hp)) {
            return fail(f, err, "extra header %d is not a \"Name: value\" "
                        "line", i);
        }
    }
    if (req->etag && *req->etag) {
        const char *h = apr_pstrcat(f->pool, "If-None-Match: ", req->etag,
                                    NULL);

        ok = add_header(&all, h) && add_header(&plain, h);
    }
    if (ok && req->last_modified && *req->last_modified) {
        const char *h = apr_pstrcat(f->pool, "If-Modified-Since: ",
                                    req->last_modified, NULL);

        ok = add_header(&all, h) && add_header(&plain, h);
    }
    for (hp = req->headers; ok && hp && *hp; hp++) {
        ok = add_header(&all, *hp);
    }
    if (!ok) {
        curl_slist_free_all(all);
        curl_slist_free_all(plain);
        return fail(f, err, "out of memory");
    }
    f->hdrs_all = all;
    f->hdrs_plain = plain;
    if (all) {
        apr_pool_cleanup_register(f->pool, all, pt_curl_slist_cleanup,
                                  apr_pool_cleanup_null);
    }
    if (plain) {
        apr_pool_cleanup_register(f->pool, plain, pt_curl_slist_cleanup,
                                  apr_pool_cleanup_null);
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ callbacks */

/* Copy the value of header `name` from the line buf (n bytes) into dst
 * (size dstsize), trimmed; when the line is that header but the value is
 * empty, too long or has a control character, dst becomes "". */
static void header_get(const char *buf, apr_size_t n, const char *name,
                       char *dst, apr_size_t dstsize)
{
    apr_size_t k = strlen(name), i;

    if (n <= k || strncasecmp(buf, name, k) || buf[k] != ':') {
        return;
    }
    buf += k + 1;
    n -= k + 1;
    while (n > 0 && (*buf == ' ' || *buf == '\t')) {
        buf++;
        n--;
    }
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n'
                     || buf[n - 1] == ' ' || buf[n - 1] == '\t')) {
        n--;
    }
    dst[0] = '\0';
    if (n == 0 || n >= dstsize) {
        return;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return;
        }
    }
    memcpy(dst, buf, n);
    dst[n] = '\0';
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    fetch_t *f = ud;
    size_t n = size * nitems;

    if (n > 5 && !memcmp(buf, "HTTP/", 5)) {
        const char *sp = memchr(buf, ' ', n);

        /* A new response (after a 1xx): forget the last one's headers. */
        f->status = 0;
        f->etag[0] = '\0';
        f->last_modified[0] = '\0';
        f->location[0] = '\0';
        if (sp && (apr_size_t)(buf + n - sp) > 3 && apr_isdigit(sp[1])
            && apr_isdigit(sp[2]) && apr_isdigit(sp[3])) {
            f->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10
                        + (sp[3] - '0');
        }
        return n;
    }
    header_get(buf, n, "ETag", f->etag, sizeof(f->etag));
    header_get(buf, n, "Last-Modified", f->last_modified,
               sizeof(f->last_modified));
    header_get(buf, n, "Location", f->location, sizeof(f->location));
    return n;
}

/* The body of a 2xx or of a file into f->body (sized from the announced
 * length when there is one); anything else stops the transfer. */
static size_t write_cb(char *data, size_t size, size_t nitems, void *ud)
{
    fetch_t *f = ud;
    size_t n = size * nitems;

    if (!f->is_file && (f->status < 200 || f->status > 299)) {
        return 0;       /* a redirect's or an error's: not wanted */
    }
    if (!f->body_ready) {
        curl_off_t cl = -1;
        apr_size_t initial = BUF_INITIAL;

        if (curl_easy_getinfo(f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl)
                == CURLE_OK
            && cl > 0 && (apr_uint64_t)cl <= (apr_uint64_t)f->max
            && (apr_uint64_t)cl < (apr_uint64_t)APR_SIZE_MAX) {
            initial = (apr_size_t)cl + 1;
        }
        pt_buf_init(&f->body, f->pool, initial, f->max);
        f->body_ready = 1;
    }
    if (pt_buf_append(&f->body, data, n) != APR_SUCCESS) {
        f->too_big = 1;
        return 0;
    }
    return n;
}

/* ------------------------------------------------------------ requests */

/*
 * One request for url on f->h: the first (is_first: file:// allowed) or a
 * redirect; with the extra headers when `extras`.  Returns what
 * curl_easy_perform() returned; f->status and the validators describe the
 * response.
 */
static CURLcode perform_one(fetch_t *f, const char *url, int is_first,
                            int extras)
{
    const pt_fetch_req_t *req = f->req;
    CURL *h = f->h;
    CURLcode rc = CURLE_OK;
    apr_int64_t left = apr_time_as_msec(f->deadline - apr_time_now());
    long left_ms, connect_ms;

    left_ms = left < 1 ? 1 : left > LONG_MAX ? LONG_MAX : (long)left;
    connect_ms = f->connect_timeout < left_ms / 1000
                 ? f->connect_timeout * 1000 : left_ms;
    f->is_file = is_first && !strncasecmp(url, "file://", 7);
    f->status = 0;
    f->etag[0] = '\0';
    f->last_modified[0] = '\0';
    f->location[0] = '\0';
    f->errbuf[0] = '\0';

    curl_easy_reset(h);     /* keeps connections and the DNS cache */
    PT_CURL_SETOPT(CURLOPT_URL, url);
    PT_CURL_SETOPT(CURLOPT_PROTOCOLS_STR, is_first ? "http,https,file" : "http,https");
    PT_CURL_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);     /* see the top of the file */
    /* Inert while FOLLOWLOCATION is off; a guard should it be turned on. */
    PT_CURL_SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    PT_CURL_SETOPT(CURLOPT_NOSIGNAL, 1L);
    PT_CURL_SETOPT(CURLOPT_ERRORBUFFER, f->errbuf);
    PT_CURL_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    PT_CURL_SETOPT(CURLOPT_TIMEOUT_MS, left_ms);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_file) {
        PT_CURL_SETOPT(CURLOPT_CAINFO, req->ca_file);
    }
    PT_CURL_SETOPT(CURLOPT_USERAGENT, req->user_agent ? req->user_agent
                                              : "mod_portal");
    PT_CURL_SETOPT(CURLOPT_ACCEPT_ENCODING, "");    /* all libcurl can decode */
    PT_CURL_SETOPT(CURLOPT_MAXFILESIZE_LARGE,
           (curl_off_t)((apr_uint64_t)f->max > (apr_uint64_t)APR_INT64_MAX
                        ? APR_INT64_MAX : (apr_int64_t)f->max));
    PT_CURL_SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
    PT_CURL_SETOPT(CURLOPT_HEADERDATA, f);
    PT_CURL_SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
    PT_CURL_SETOPT(CURLOPT_WRITEDATA, f);
    if (f->is_file) {
        PT_CURL_SETOPT(CURLOPT_FILETIME, 1L);
        if (req->last_modified) {
            time_t since = curl_getdate(req->last_modified, NULL);

            if (since != -1) {
                PT_CURL_SETOPT(CURLOPT_TIMECONDITION,
                       (long)CURL_TIMECOND_IFMODSINCE);
                PT_CURL_SETOPT(CURLOPT_TIMEVALUE_LARGE, (curl_off_t)since);
            }
        }
    }
    else {
        PT_CURL_SETOPT(CURLOPT_HTTPHEADER, extras ? f->hdrs_all : f->hdrs_plain);
    }
    if (rc != CURLE_OK) {
        f->errbuf[0] = '\0';
        return rc;
    }
    return curl_easy_perform(h);
}

static int is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307
           || status == 308;
}

/* err for a request that failed with rc (no HTTP status to blame). */
static apr_status_t transport_error(fetch_t *f, CURLcode rc,
                                    const char *url, pt_err_t *err)
{
    const char *detail = f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc);

    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t resolved = 0, connected = 0;

        /* The connect timeout, when it struck before the whole one. */
        curl_easy_getinfo(f->h, CURLINFO_NAMELOOKUP_TIME_T, &resolved);
        curl_easy_getinfo(f->h, CURLINFO_CONNECT_TIME_T, &connected);
        if (connected == 0
            && apr_time_now() < f->deadline - apr_time_from_msec(100)) {
            return fail(f, err, resolved == 0
                                ? "could not resolve host %s within %ld s"
                                : "could not connect to %s within %ld s",
                        url_host(f->pool, url), f->connect_timeout);
        }
        return fail(f, err, "timed out after %ld s", f->timeout);
    }
    case CURLE_COULDNT_RESOLVE_HOST:
        return fail(f, err, "could not resolve host %s",
                    url_host(f->pool, url));
    case CURLE_PARTIAL_FILE: {
        curl_off_t got = 0, want = -1;

        curl_easy_getinfo(f->h, CURLINFO_SIZE_DOWNLOAD_T, &got);
        curl_easy_getinfo(f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &want);
        if (want >= 0) {
            return fail(f, err, "connection closed before the end of the "
                        "body (got %" CURL_FORMAT_CURL_OFF_T " of %"
                        CURL_FORMAT_CURL_OFF_T " bytes)", got, want);
        }
        return fail(f, err, "connection closed before the end of the body "
                    "(got %" CURL_FORMAT_CURL_OFF_T " bytes)", got);
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return fail(f, err, "TLS: %s", detail);
    case CURLE_OUT_OF_MEMORY:
        return fail(f, err, "out of memory");
    default:
        return fail(f, err, "%s", detail);
    }
}

/* The date of a file's mtime (CURLINFO_FILETIME_T), or NULL. */
static const char *file_date(fetch_t *f)
{
    curl_off_t t = -1;
    char *d;

    if (curl_easy_getinfo(f->h, CURLINFO_FILETIME_T, &t) != CURLE_OK
        || t < 0) {
        return NULL;
    }
    d = apr_palloc(f->pool, APR_RFC822_DATE_LEN);
    if (apr_rfc822_date(d, apr_time_from_sec((apr_time_t)t))
        != APR_SUCCESS) {
        return NULL;
    }
    return d;
}

/* ------------------------------------------------------------ pt_fetch */

/*
 * The requests of one fetch on f->h: the first, then its redirects.
 * Fills res on success; sets res->status to the last status seen.
 */
static apr_status_t fetch_run(fetch_t *f, pt_fetch_res_t *res,
                              pt_err_t *err)
{
    const pt_fetch_req_t *req = f->req;
    const char *url = req->url;
    int hop;

    for (hop = 0;; hop++) {
        CURLcode rc;
        long unmet = 0;
        const char *next;
        int extras = hop == 0;

        if (hop > 0) {
            const char *o = url_origin(f->pool, url);

            extras = f->origin && o && !strcmp(o, f->origin);
            if (apr_time_now() >= f->deadline) {
                return fail(f, err, "timed out after %ld s", f->timeout);
            }
        }
        rc = perform_one(f, url, hop == 0, extras);
        res->status = f->status;

        if (f->too_big || (rc == CURLE_FILESIZE_EXCEEDED
                           && (f->status < 300 || f->status == 304))) {
            return fail(f, err, "body larger than %" APR_SIZE_T_FMT
                        " bytes", f->max);
        }
        if (f->is_file) {
            if (rc != CURLE_OK) {
                return transport_error(f, rc, url, err);
            }
            curl_easy_getinfo(f->h, CURLINFO_CONDITION_UNMET, &unmet);
            res->last_modified = file_date(f);
            if (unmet) {
                res->status = 304;
                res->not_modified = 1;
                if (!res->last_modified) {
                    res->last_modified = req->last_modified;
                }
                return APR_SUCCESS;
            }
            res->status = 200;
            break;
        }
        if (is_redirect(f->status)) {
            const char *scheme;

            if (!f->location[0]) {
                return fail(f, err, "HTTP %ld (a redirect without a usable "
                            "Location)", f->status);
            }
            if (hop == PT_FETCH_MAX_REDIRECTS) {
                return fail(f, err, "more than %d redirects",
                            PT_FETCH_MAX_REDIRECTS);
            }
            /* A relative Location keeps the scheme of url: http(s). */
            scheme = url_scheme(f->pool, f->location);
            if (scheme && strcmp(scheme, "http") && strcmp(scheme, "https")) {
                return fail(f, err, "HTTP %ld to a %.16s: URL (only http "
                            "and https redirects are followed)", f->status,
                            scheme);
            }
            next = url_resolve(f->pool, url, f->location);
            if (!next) {
                return fail(f, err, "HTTP %ld to a Location that is not a "
                            "URL", f->status);
            }
            url = next;
            continue;
        }
        if (f->status != 0 && f->status != 304
            && (f->status < 200 || f->status > 299)) {
            return fail(f, err, "HTTP %ld", f->status);
        }
        if (rc != CURLE_OK) {
            return transport_error(f, rc, url, err);
        }
        res->etag = f->etag[0] ? apr_pstrdup(f->pool, f->etag) : NULL;
        res->last_modified = f->last_modified[0]
                             ? apr_pstrdup(f->pool, f->last_modified)
                             : NULL;
        if (f->status == 304) {
            /* A validator the 304 does not repeat is still the one the
             * request had (RFC 9111 4.3.4). */
            res->not_modified = 1;
            if (!res->etag) {
                res->etag = req->etag;
            }
            if (!res->last_modified) {
                res->last_modified = req->last_modified;
            }
            return APR_SUCCESS;
        }
        break;
    }
    res->body = f->body_ready ? f->body.data : "";
    res->len = f->body_ready ? f->body.len : 0;
    return APR_SUCCESS;
}

apr_status_t pt_fetch(apr_pool_t *p, const pt_fetch_req_t *req,
                      pt_fetch_res_t *res, pt_err_t *err)
{
    fetch_t *f = apr_pcalloc(p, sizeof(*f));
    apr_status_t rv;

    memset(res, 0, sizeof(*res));
    f->pool = p;
    f->req = req;
    f->start = apr_time_now();
    f->connect_timeout = req->connect_timeout > 0 ? req->connect_timeout
                                                  : PT_FETCH_CONNECT_TIMEOUT;
    f->timeout = req->timeout > 0 ? req->timeout : PT_FETCH_TIMEOUT;
    f->max = req->max_bytes > 0 ? req->max_bytes : PT_FETCH_MAX_BYTES;
    f->deadline = f->start + apr_time_from_sec(f->timeout);

    if (!req->url || (strncasecmp(req->url, "http://", 7)
                      && strncasecmp(req->url, "https://", 8)
                      && strncasecmp(req->url, "file://", 7))) {
        return fail(f, err, "the feed URL must start with http://, "
                    "https:// or file://");
    }
    rv = build_headers(f, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    f->origin = url_origin(p, req->url);
    f->h = pt_curl_new(p);
    if (!f->h) {
        rv = fail(f, err, "curl_easy_init failed");
    }
    else {
        rv = fetch_run(f, res, err);
        /* Release the connection now rather than when p goes. */
        pt_curl_release(p, f->h);
    }
    if (f->hdrs_all) {
        apr_pool_cleanup_run(p, f->hdrs_all, pt_curl_slist_cleanup);
    }
    if (f->hdrs_plain) {
        apr_pool_cleanup_run(p, f->hdrs_plain, pt_curl_slist_cleanup);
    }
    res->seconds = (double)(apr_time_now() - f->start) / APR_USEC_PER_SEC;
    return rv;
}
