/*
 * pt_smtp.c -- one SMTP transaction with libcurl (see pt_smtp.h).
 *
 * libcurl does the protocol: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA with
 * dot-stuffing.  What it does not report is which command a failing reply
 * answered, and that decides between "retry later" and "give up" (a 5xx to
 * RCPT is final, a 5xx to AUTH is a configuration problem).  So two
 * callbacks watch the dialogue: the debug callback sees each command sent
 * (only its verb is kept: AUTH lines carry credentials) and the header
 * callback, which libcurl feeds with the server's reply lines, keeps the
 * last reply when it is 400 or more, with the command it answered.
 */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include <curl/curl.h>

#include "pt_curl.h"

#include "pt_mail.h"
#include "pt_smtp.h"

#define DEFAULT_CONNECT_TIMEOUT 10L
#define DEFAULT_TIMEOUT 60L
#define REPLY_MAX 256       /* longest reply line kept */
#define ERRMSG_MAX 300      /* longest *errmsg */

/* State shared with the callbacks; allocated from the pool because libcurl
 * may still call them while the handle is cleaned up (QUIT). */
typedef struct smtp_ctx_t {
    const char *data;           /* the message */
    apr_size_t len;
    apr_size_t pos;             /* bytes handed to libcurl so far */
    char cmd[12];               /* verb of the last command sent */
    char reply[REPLY_MAX];      /* last reply line received */
    char fail_cmd[12];          /* the command the last failure answered */
    char fail_reply[REPLY_MAX]; /* the last reply when >= 400 */
    int fail_code;              /* its code; 0 when the last reply was not
                                 * a failure */
} smtp_ctx_t;

/* Copy n bytes of s into dst (size dstsize) as one line: stop at CR or LF,
 * control characters become spaces, cut to fit. */
static void copy_line(char *dst, apr_size_t dstsize, const char *s,
                      apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n && i + 1 < dstsize; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\r' || c == '\n') {
            break;
        }
        dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    dst[i] = '\0';
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    smtp_ctx_t *ctx = ud;
    size_t room = size * nitems, n = ctx->len - ctx->pos;

    if (n > room) {
        n = room;
    }
    memcpy(buf, ctx->data + ctx->pos, n);
    ctx->pos += n;
    return n;
}

/* One reply line from the server.  The last line of a reply is "NNN text"
 * (a space, or nothing, after the code).  fail_* describe the last final
 * reply when it was 400 or more, and are cleared by a later success;
 * replies to QUIT (sent while the handle is cleaned up) do not count. */
static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    smtp_ctx_t *ctx = ud;
    size_t n = size * nitems;
    int code;

    copy_line(ctx->reply, sizeof(ctx->reply), buf, n);
    if (strlen(ctx->reply) < 3 || !apr_isdigit(ctx->reply[0])
        || !apr_isdigit(ctx->reply[1]) || !apr_isdigit(ctx->reply[2])
        || (ctx->reply[3] != ' ' && ctx->reply[3] != '\0')) {
        return n;
    }
    code = (ctx->reply[0] - '0') * 100 + (ctx->reply[1] - '0') * 10
           + (ctx->reply[2] - '0');
    if (!strcmp(ctx->cmd, "QUIT")) {
        return n;
    }
    if (code >= 400) {
        ctx->fail_code = code;
        apr_cpystrn(ctx->fail_reply, ctx->reply, sizeof(ctx->fail_reply));
        apr_cpystrn(ctx->fail_cmd, ctx->cmd, sizeof(ctx->fail_cmd));
    }
    else {
        /* Overcome (HELO after a refused EHLO...): a later failure is not
         * this reply's fault. */
        ctx->fail_code = 0;
    }
    return n;
}

/*
 * Keep the verb of each command libcurl sends, never its arguments.  A
 * line that does not start with a known verb continues the current command
 * (the client's part of an AUTH exchange: credentials) and is ignored.
 */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud)
{
    static const char *const verbs[] = { "EHLO", "HELO", "STARTTLS", "AUTH",
                                         "MAIL", "RCPT", "DATA", "QUIT",
                                         "RSET", "NOOP", NULL };
    smtp_ctx_t *ctx = ud;
    apr_size_t n = 0;
    int i;

    if (type != CURLINFO_HEADER_OUT) {
        return 0;
    }
    while (n < size && apr_isalpha(data[n])) {
        n++;
    }
    for (i = 0; verbs[i]; i++) {
        if (n == strlen(verbs[i]) && !strncasecmp(data, verbs[i], n)) {
            apr_cpystrn(ctx->cmd, verbs[i], sizeof(ctx->cmd));
            break;
        }
    }
    return 0;
}

/* The command as people know it, for messages. */
static const char *cmd_name(const char *verb)
{
    if (!strcmp(verb, "MAIL")) {
        return "MAIL FROM";
    }
    if (!strcmp(verb, "RCPT")) {
        return "RCPT TO";
    }
    if (!*verb) {
        return "greeting";
    }
    return verb;
}

/* One line of at most ERRMSG_MAX bytes. */
static const char *one_line(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, ERRMSG_MAX + 1);

    copy_line(out, ERRMSG_MAX + 1, s, strlen(s));
    return out;
}

/* 1 for a host name (letters, digits, '-', '.') or an address literal
 * ("[" hex digits, '.', ':' "]"): safe as the URL path libcurl sends in
 * EHLO. */
static int helo_ok(const char *s)
{
    apr_size_t i, n = strlen(s);

    if (n == 0 || n > 253) {
        return 0;
    }
    if (s[0] == '[') {
        if (n < 3 || s[n - 1] != ']') {
            return 0;
        }
        for (i = 1; i + 1 < n; i++) {
            if (!apr_isxdigit(s[i]) && s[i] != '.' && s[i] != ':') {
                return 0;
            }
        }
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(s[i]) && s[i] != '-' && s[i] != '.') {
            return 0;
        }
    }
    return 1;
}

/*
 * The URL libcurl gets: c->url checked for the smtp/smtps scheme; with a
 * HELO name, its path replaced by "/" helo_name (libcurl sends the path
 * in EHLO).  NULL with *why set when the configuration is unusable.
 */
static const char *make_url(apr_pool_t *p, const pt_smtp_conf_t *c,
                            const char **why)
{
    const char *auth;
    apr_size_t n;

    if (!c->url || (strncasecmp(c->url, "smtp://", 7)
                    && strncasecmp(c->url, "smtps://", 8))) {
        *why = "the SMTP URL must start with smtp:// or smtps://";
        return NULL;
    }
    if (!c->helo_name) {
        return c->url;
    }
    if (!helo_ok(c->helo_name)) {
        *why = "the HELO name is not a host name or address literal";
        return NULL;
    }
    auth = strstr(c->url, "://") + 3;
    n = strcspn(auth, "/?#");
    return apr_pstrcat(p, apr_pstrmemdup(p, c->url,
                                         (apr_size_t)(auth - c->url) + n),
                       "/", c->helo_name, NULL);
}

apr_status_t pt_smtp_send(apr_pool_t *p, const pt_smtp_conf_t *c,
                          const char *from, const char *rcpt,
                          const char *msg, apr_size_t len,
                          pt_smtp_result_e *result, const char **errmsg)
{
    smtp_ctx_t *ctx;
    struct curl_slist *rcpts;
    const char *url, *why = NULL;
    char *errbuf;
    CURLcode rc = CURLE_OK;
    long code = 0;
    CURL *h;

    *result = PT_SMTP_TEMPORARY;
    if (!pt_mail_addr_ok(from) || !pt_mail_addr_ok(rcpt)) {
        *result = PT_SMTP_PERMANENT;
        *errmsg = pt_mail_addr_ok(from)
                  ? "the recipient is not a plain address"
                  : "the sender is not a plain address";
        return APR_EGENERAL;
    }
    url = make_url(p, c, &why);
    if (!url) {
        *errmsg = why;
        return APR_EGENERAL;
    }

    rcpts = curl_slist_append(NULL, rcpt);
    if (!rcpts) {
        *errmsg = "out of memory";
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(p, rcpts, pt_curl_slist_cleanup,
                              apr_pool_cleanup_null);
    h = pt_curl_new(p);
    if (!h) {
        apr_pool_cleanup_run(p, rcpts, pt_curl_slist_cleanup);
        *errmsg = "curl_easy_init failed";
        return APR_EGENERAL;
    }

    ctx = apr_pcalloc(p, sizeof(*ctx));
    ctx->data = msg;
    ctx->len = len;
    errbuf = apr_pcalloc(p, CURL_ERROR_SIZE);

    PT_CURL_SETOPT(CURLOPT_URL, url);
    PT_CURL_SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    PT_CURL_SETOPT(CURLOPT_NOSIGNAL, 1L);
    PT_CURL_SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    PT_CURL_SETOPT(CURLOPT_CONNECTTIMEOUT, c->connect_timeout_sec > 0
                                   ? c->connect_timeout_sec
                                   : DEFAULT_CONNECT_TIMEOUT);
    PT_CURL_SETOPT(CURLOPT_TIMEOUT, c->timeout_sec > 0 ? c->timeout_sec
                                               : DEFAULT_TIMEOUT);
    PT_CURL_SETOPT(CURLOPT_USE_SSL, (c->starttls || !strncasecmp(url, "smtps:", 6))
                            ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file) {
        PT_CURL_SETOPT(CURLOPT_CAINFO, c->ca_file);
    }
    if (c->username) {
        PT_CURL_SETOPT(CURLOPT_USERNAME, c->username);
        PT_CURL_SETOPT(CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    PT_CURL_SETOPT(CURLOPT_MAIL_FROM, from);
    PT_CURL_SETOPT(CURLOPT_MAIL_RCPT, rcpts);
    PT_CURL_SETOPT(CURLOPT_UPLOAD, 1L);
    PT_CURL_SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    PT_CURL_SETOPT(CURLOPT_READFUNCTION, read_cb);
    PT_CURL_SETOPT(CURLOPT_READDATA, ctx);
    PT_CURL_SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
    PT_CURL_SETOPT(CURLOPT_HEADERDATA, ctx);
    PT_CURL_SETOPT(CURLOPT_DEBUGFUNCTION, debug_cb);
    PT_CURL_SETOPT(CURLOPT_DEBUGDATA, ctx);
    PT_CURL_SETOPT(CURLOPT_VERBOSE, 1L);    /* for debug_cb; it prints nothing */
    if (rc != CURLE_OK) {
        *errmsg = apr_pstrcat(p, "libcurl cannot be set up for SMTP: ",
                              curl_easy_strerror(rc), NULL);
    }
    else {
        rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (rc == CURLE_OK) {
            *result = PT_SMTP_SENT;
            *errmsg = one_line(p, ctx->reply[0] ? ctx->reply : "sent");
        }
        else {
            const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);

            if (!ctx->fail_code && code >= 400) {
                ctx->fail_code = (int)code;
                apr_cpystrn(ctx->fail_cmd, ctx->cmd, sizeof(ctx->fail_cmd));
                apr_cpystrn(ctx->fail_reply, detail,
                            sizeof(ctx->fail_reply));
            }
            if (ctx->fail_code >= 500 && ctx->fail_code != 530
                && (!strcmp(ctx->fail_cmd, "MAIL")
                    || !strcmp(ctx->fail_cmd, "RCPT")
                    || !strcmp(ctx->fail_cmd, "DATA"))) {
                *result = PT_SMTP_PERMANENT;
            }
            if (ctx->fail_code) {
                *errmsg = apr_psprintf(p, "%s: %s", cmd_name(ctx->fail_cmd),
                                       ctx->fail_reply);
            }
            else if (rc == CURLE_USE_SSL_FAILED) {
                *errmsg = apr_psprintf(p, "TLS is required but the server "
                                       "does not offer STARTTLS (%s)",
                                       detail);
            }
            else {
                *errmsg = detail;
            }
            *errmsg = one_line(p, *errmsg);
        }
    }

    /* Release now (QUIT, close) rather than when p goes. */
    pt_curl_release(p, h);
    apr_pool_cleanup_run(p, rcpts, pt_curl_slist_cleanup);
    return *result == PT_SMTP_SENT ? APR_SUCCESS : APR_EGENERAL;
}
