/*
 * pt_store_s3.c -- the S3 backend of pt_store.h: objects in a bucket of an
 * S3-compatible service (AWS, MinIO, Ceph RGW; s3rver in the tests).
 *
 * HTTP is libcurl's, signed by its built-in AWS Signature V4
 * (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3") with path-style URLs:
 * ENDPOINT/BUCKET/PREFIX+KEY.  libcurl 7.88 signs the path and the query
 * exactly as they appear in the URL, so this file writes them in canonical
 * form: every byte but A-Z a-z 0-9 - _ . ~ percent-encoded with upper-case
 * hex ('/' kept in keys), query parameters in byte order, a parameter
 * without a value written "name=".  Every request carries
 * "x-amz-content-sha256: UNSIGNED-PAYLOAD": bodies are streamed, so their
 * hash is not known when the request is signed (TLS protects them).  The
 * keys go to libcurl as CURLOPT_USERNAME / CURLOPT_PASSWORD (a secret
 * with ':' in it stays whole); no message here ever contains the secret or
 * a signature.  Redirects are not followed.  The string work -- that
 * encoding, the XML of S3's responses, its dates -- is in pt_s3_util.c.
 *
 * Writing is a multipart upload: write_open creates it, the writer fills
 * ONE buffer of conf->part_size bytes (allocated once, so memory stays
 * flat whatever the size of the object) and uploads it as a part when it
 * is full and more bytes come; commit uploads what is left as the last
 * part (the only one, of 0 bytes, for an empty object) and completes the
 * upload; abort, and the pool cleanup of a writer neither committed nor
 * aborted, aborts it.  Nothing is visible under the key before commit.
 * part_size may be from 5 MiB (S3's minimum) to 1 GiB (the buffer is in
 * memory); an object can have up to 10000 parts.
 *
 * Reading: GET with a Range header (none for the whole object; HEAD for a
 * length of 0, to learn whether the object exists).  The status is known
 * from the header callback before the body, so only the asked-for bytes of
 * a 200/206 reach the sink; a 200 to a ranged request is refused.  A range
 * that starts past the end is S3's 416 InvalidRange: an error.
 *
 * Every request gets conf->timeout as its connect timeout.  Requests whose
 * size is bounded get it as their total timeout too; the two that move
 * object bytes (UploadPart, GetObject) instead fail when no byte moved for
 * conf->timeout seconds, so that a large part or a long download to a slow
 * reader is not cut off while it progresses.  XML responses are read into
 * memory up to RESP_MAX; a larger one is an error.
 *
 * Service differences:
 *  - pt_store_sweep() lists unfinished uploads with ListMultipartUploads.
 *    A service that does not implement it (s3rver 3.x answers 501
 *    NotImplemented) makes sweep return APR_ENOTIMPL with err saying so;
 *    use the bucket's lifecycle rule AbortIncompleteMultipartUpload there.
 *  - s3rver 3.x does not implement AbortMultipartUpload either (405): an
 *    aborted upload's parts stay on its disk, but no object appears.
 *  - A 404 to a HEAD (pt_store_read() with length 0) has no body, so a
 *    missing bucket cannot be told from a missing object there; elsewhere
 *    404 NoSuchBucket is an error, never APR_ENOENT.
 *  - Keys with control characters are refused (S3 lists cannot carry them
 *    without encoding-type=url, which is not used).
 *
 * CURL handles: one per writer (in the writer's pool, reused for all its
 * requests, freed by a pool cleanup), one per read, remove, list or sweep
 * call (freed before the call returns).  None is shared between threads.
 * The caller must have called curl_global_init() before any thread starts.
 *
 * Longer than the ~600 lines of the norm: the S3 protocol as the store
 * needs it: signed requests, multipart uploads with their abort, listing
 * for the sweep, all on one libcurl handle discipline.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include <curl/curl.h>

#include "pt_curl.h"

#include "pt_buf.h"
#include "pt_s3_util.h"
#include "pt_store.h"

#if LIBCURL_VERSION_NUM < 0x075500
#error "pt_store_s3.c needs libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR)"
#endif

#define PART_MIN ((apr_size_t)5 * 1024 * 1024)   /* S3's smallest part */
#define PART_MAX_COUNT 10000                      /* S3's most parts */
#define RESP_MAX ((apr_size_t)1024 * 1024)        /* XML response cap */
#define KEY_MAX 1024                              /* S3's longest key */
#define DEFAULT_TIMEOUT 60L
#define HDR_VALUE_MAX 256       /* longest ETag / request id kept */
#define MARKER_MAX 4096         /* longest continuation token or marker */
#define UNSIGNED_PAYLOAD "x-amz-content-sha256: UNSIGNED-PAYLOAD"

typedef struct s3_store_t {
    const char *bucket;
    const char *bucket_url;     /* ENDPOINT/BUCKET (encoded) */
    const char *sigv4;          /* "aws:amz:REGION:s3" */
    const char *access_key;
    const char *secret_key;
    const char *prefix;         /* never NULL */
    apr_size_t part_size;
    long timeout;
    const char *ca_file;
} s3_store_t;

/* One HTTP exchange: what to send, and what came back. */
typedef struct s3_call_t {
    const char *op;             /* "UploadPart": names it in messages */
    const char *what;           /* "object \"k\" in bucket \"b\"" */
    const char *method;         /* GET HEAD PUT POST DELETE */
    const char *url;
    const char *range;          /* Range header value, or NULL */
    const char *content_type;   /* or NULL */
    const char *body;           /* PUT/POST body */
    apr_size_t body_len;
    apr_size_t body_pos;        /* bytes handed to libcurl (PUT) */
    int bulk;                   /* moves object bytes: stall timeout */
    pt_store_sink_fn sink;      /* GET: the 2xx body goes here */
    void *baton;
    /* results */
    long status;                /* of the last status line seen */
    char etag[HDR_VALUE_MAX];
    char request_id[HDR_VALUE_MAX];
    pt_buf_t resp;              /* a body not given to the sink */
    apr_status_t sink_rv;       /* what the sink returned, when it failed */
    int too_big;                /* resp would have passed RESP_MAX */
    int range_ignored;          /* 200 to a ranged GET */
    char errbuf[CURL_ERROR_SIZE];
} s3_call_t;

typedef struct s3_writer_t {
    s3_store_t *s3;
    apr_pool_t *pool;
    CURL *h;
    const char *key;            /* with the prefix */
    const char *url;
    const char *upload_id;
    char *buf;                  /* part_size bytes */
    apr_size_t fill;
    apr_array_header_t *etags;  /* const char *, part i+1 at index i */
    int active;                 /* the upload exists and is not finished */
    int failed;                 /* a request failed: commit is refused */
} s3_writer_t;

/* ------------------------------------------------------------ helpers */

static apr_status_t handle_new(apr_pool_t *p, CURL **h, pt_err_t *err)
{
    *h = pt_curl_new(p);
    if (!*h) {
        return pt_err_set(err, p, NULL, 0, "S3: curl_easy_init failed");
    }
    return APR_SUCCESS;
}

static const char *describe(apr_pool_t *p, s3_store_t *s3, const char *key)
{
    if (key) {
        return apr_psprintf(p, "object \"%s\" in bucket \"%s\"",
                            pt_s3_one_line(p, key), s3->bucket);
    }
    return apr_psprintf(p, "bucket \"%s\"", s3->bucket);
}

/* The full key (prefix + key) after checking key, or NULL with err set. */
static const char *full_key(s3_store_t *s3, apr_pool_t *p, const char *key,
                            pt_err_t *err)
{
    const char *k;

    if (!key || !*key) {
        pt_err_set(err, p, NULL, 0, "S3: an object key must not be empty");
        return NULL;
    }
    k = apr_pstrcat(p, s3->prefix, key, NULL);
    if (strlen(k) > KEY_MAX || !pt_s3_printable_ok(k)) {
        pt_err_set(err, p, NULL, 0, "S3: object key \"%s\" is longer than "
                   "%d bytes or has control characters",
                   pt_s3_one_line(p, key), KEY_MAX);
        return NULL;
    }
    return k;
}

static const char *object_url(s3_store_t *s3, apr_pool_t *p,
                              const char *fullkey)
{
    return apr_pstrcat(p, s3->bucket_url, "/",
                       pt_s3_uri_encode(p, fullkey, 1), NULL);
}

/* ------------------------------------------------------------ HTTP */


static size_t call_header_cb(char *buf, size_t size, size_t nitems,
                             void *ud)
{
    s3_call_t *c = ud;
    size_t len = size * nitems;

    if (len > 5 && !memcmp(buf, "HTTP/", 5)) {
        const char *sp = memchr(buf, ' ', len);
        int code;

        /* A new response (after a 100 Continue): forget the last one. */
        c->status = 0;
        c->etag[0] = '\0';
        c->request_id[0] = '\0';
        if (sp && (apr_size_t)(buf + len - sp) > 3
            && pt_s3_digits_parse(sp + 1, 3, &code)) {
            c->status = code;
        }
        return len;
    }
    pt_s3_header_get(buf, len, "ETag", c->etag, sizeof(c->etag));
    pt_s3_header_get(buf, len, "x-amz-request-id", c->request_id,
                     sizeof(c->request_id));
    return len;
}

/* The body: to the sink when it is the object asked for, to c->resp (up to
 * RESP_MAX) otherwise.  Returning less than len stops the transfer. */
static size_t call_write_cb(char *data, size_t size, size_t nitems, void *ud)
{
    s3_call_t *c = ud;
    size_t len = size * nitems;

    if (c->sink && (c->status == 200 || c->status == 206)) {
        apr_status_t rv;

        if (c->range && c->status != 206) {
            c->range_ignored = 1;
            return 0;
        }
        rv = c->sink(c->baton, data, len);
        if (rv != APR_SUCCESS) {
            c->sink_rv = rv;
            return 0;
        }
        return len;
    }
    if (pt_buf_append(&c->resp, data, len) != APR_SUCCESS) {
        c->too_big = 1;
        return 0;
    }
    return len;
}

static size_t call_read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    s3_call_t *c = ud;
    size_t n = c->body_len - c->body_pos, room = size * nitems;

    if (n > room) {
        n = room;
    }
    memcpy(buf, c->body + c->body_pos, n);
    c->body_pos += n;
    return n;
}

/* libcurl rewinds the body when it resends a request (a reused connection
 * that turned out closed). */
static int call_seek_cb(void *ud, curl_off_t offset, int origin)
{
    s3_call_t *c = ud;

    if (origin != SEEK_SET || offset < 0
        || (curl_off_t)c->body_len < offset) {
        return CURL_SEEKFUNC_CANTSEEK;
    }
    c->body_pos = (apr_size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* Add header line s to *l; 0 when memory ran out (*l is kept). */
static int add_header(struct curl_slist **l, const char *s)
{
    struct curl_slist *n = curl_slist_append(*l, s);

    if (!n) {
        return 0;
    }
    *l = n;
    return 1;
}

/*
 * Make the exchange c on handle h.  APR_SUCCESS when a response came back,
 * whatever its status (c->status); otherwise the error (in err, strings
 * from ep): a transport failure, a response larger than RESP_MAX, or what
 * the sink returned.  Scratch memory comes from scratch.
 */
static apr_status_t call_perform(s3_store_t *s3, CURL *h, s3_call_t *c,
                                 apr_pool_t *scratch, apr_pool_t *ep,
                                 pt_err_t *err)
{
    struct curl_slist *hdrs = NULL;
    CURLcode rc = CURLE_OK;
    long code = 0;
    int ok;

    c->status = 0;
    c->etag[0] = '\0';
    c->request_id[0] = '\0';
    c->errbuf[0] = '\0';
    c->body_pos = 0;
    c->sink_rv = APR_SUCCESS;
    c->too_big = 0;
    c->range_ignored = 0;
    pt_buf_init(&c->resp, scratch, 1024, RESP_MAX);

    ok = add_header(&hdrs, UNSIGNED_PAYLOAD);
    if (ok && c->range) {
        ok = add_header(&hdrs, apr_pstrcat(scratch, "Range: ", c->range,
                                           NULL));
    }
    if (ok && c->content_type) {
        ok = add_header(&hdrs, apr_pstrcat(scratch, "Content-Type: ",
                                           c->content_type, NULL));
    }
    if (!ok) {
        curl_slist_free_all(hdrs);
        return pt_err_set(err, ep, NULL, 0, "S3 %s of %s: out of memory",
                          c->op, c->what);
    }

    curl_easy_reset(h);     /* keeps the connection for the next request */
    PT_CURL_SETOPT(CURLOPT_URL, c->url);
    PT_CURL_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    PT_CURL_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    PT_CURL_SETOPT(CURLOPT_PATH_AS_IS, 1L);     /* the key as it is, "../" too */
    PT_CURL_SETOPT(CURLOPT_NOSIGNAL, 1L);
    PT_CURL_SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
    PT_CURL_SETOPT(CURLOPT_CONNECTTIMEOUT, s3->timeout);
    if (c->bulk) {
        PT_CURL_SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
        PT_CURL_SETOPT(CURLOPT_LOW_SPEED_TIME, s3->timeout);
    }
    else {
        PT_CURL_SETOPT(CURLOPT_TIMEOUT, s3->timeout);
    }
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    PT_CURL_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (s3->ca_file) {
        PT_CURL_SETOPT(CURLOPT_CAINFO, s3->ca_file);
    }
    PT_CURL_SETOPT(CURLOPT_USERNAME, s3->access_key);
    PT_CURL_SETOPT(CURLOPT_PASSWORD, s3->secret_key);
    PT_CURL_SETOPT(CURLOPT_AWS_SIGV4, s3->sigv4);
    PT_CURL_SETOPT(CURLOPT_USERAGENT, "mod_portal");
    PT_CURL_SETOPT(CURLOPT_HTTPHEADER, hdrs);
    PT_CURL_SETOPT(CURLOPT_HEADERFUNCTION, call_header_cb);
    PT_CURL_SETOPT(CURLOPT_HEADERDATA, c);
    PT_CURL_SETOPT(CURLOPT_WRITEFUNCTION, call_write_cb);
    PT_CURL_SETOPT(CURLOPT_WRITEDATA, c);
    if (!strcmp(c->method, "HEAD")) {
        PT_CURL_SETOPT(CURLOPT_NOBODY, 1L);
    }
    else if (!strcmp(c->method, "PUT")) {
        PT_CURL_SETOPT(CURLOPT_UPLOAD, 1L);
        PT_CURL_SETOPT(CURLOPT_READFUNCTION, call_read_cb);
        PT_CURL_SETOPT(CURLOPT_READDATA, c);
        PT_CURL_SETOPT(CURLOPT_SEEKFUNCTION, call_seek_cb);
        PT_CURL_SETOPT(CURLOPT_SEEKDATA, c);
        PT_CURL_SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->body_len);
    }
    else if (!strcmp(c->method, "POST")) {
        PT_CURL_SETOPT(CURLOPT_POST, 1L);
        PT_CURL_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
        PT_CURL_SETOPT(CURLOPT_POSTFIELDS, c->body ? c->body : "");
    }
    else if (strcmp(c->method, "GET")) {
        PT_CURL_SETOPT(CURLOPT_CUSTOMREQUEST, c->method);
    }
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code > 0) {
            c->status = code;
        }
    }
    else {
        c->errbuf[0] = '\0';
    }
    /* The handle outlives the header list and c: forget every pointer. */
    curl_easy_reset(h);
    curl_slist_free_all(hdrs);

    if (c->sink_rv != APR_SUCCESS) {
        pt_err_set(err, ep, NULL, 0, "S3 %s of %s: the receiver of the "
                   "data stopped the transfer", c->op, c->what);
        return c->sink_rv;
    }
    if (c->too_big) {
        return pt_err_set(err, ep, NULL, 0, "S3 %s of %s: HTTP %ld, the "
                          "response is larger than %lu bytes", c->op,
                          c->what, c->status, (unsigned long)RESP_MAX);
    }
    if (c->range_ignored) {
        return pt_err_set(err, ep, NULL, 0, "S3 %s of %s: the server "
                          "ignored the Range header (HTTP 200)", c->op,
                          c->what);
    }
    if (rc != CURLE_OK) {
        return pt_err_set(err, ep, NULL, 0, "S3 %s of %s: %s", c->op,
                          c->what,
                          pt_s3_one_line(ep, c->errbuf[0]
                                             ? c->errbuf
                                             : curl_easy_strerror(rc)));
    }
    return APR_SUCCESS;
}

/* The S3 error code in c's response body ("" when there is none). */
static const char *call_error_code(apr_pool_t *p, s3_call_t *c)
{
    const char *in, *in_end, *code = NULL;

    if (!pt_s3_xml_find(c->resp.data, c->resp.data + c->resp.len, "Error",
                        &in, &in_end)
        || pt_s3_xml_get(p, in, in_end, "Code", &code) != APR_SUCCESS) {
        return "";
    }
    return pt_s3_one_line(p, code);
}

/* Fill err for a response that is a failure: the operation, the status,
 * S3's Code and Message when the body has them, the request id. */
static apr_status_t call_failed(s3_call_t *c, apr_pool_t *ep, pt_err_t *err)
{
    const char *in, *in_end, *code = NULL, *msg = NULL, *detail = "";

    if (pt_s3_xml_find(c->resp.data, c->resp.data + c->resp.len, "Error",
                       &in, &in_end)) {
        pt_s3_xml_get(ep, in, in_end, "Code", &code);
        pt_s3_xml_get(ep, in, in_end, "Message", &msg);
    }
    if (code && *code) {
        detail = apr_pstrcat(ep, " ", pt_s3_one_line(ep, code), NULL);
    }
    if (msg && *msg) {
        detail = apr_pstrcat(ep, detail, ": ", pt_s3_one_line(ep, msg), NULL);
    }
    if (!code && !msg && c->status >= 200 && c->status < 300) {
        detail = " (unexpected response)";
    }
    if (c->request_id[0]) {
        detail = apr_pstrcat(ep, detail, " (request id ", c->request_id,
                             ")", NULL);
    }
    return pt_err_set(err, ep, NULL, 0, "S3 %s of %s: HTTP %ld%s", c->op,
                      c->what, c->status, detail);
}

/* ------------------------------------------------------------ writing */

/* Abort the upload (once); errors are ignored: the object never appears,
 * and what the service keeps is removed by sweep. */
static void s3_abort(void *wctx)
{
    s3_writer_t *w = wctx;
    apr_pool_t *scratch;
    s3_call_t *c;

    if (!w || !w->active) {
        return;
    }
    w->active = 0;
    w->failed = 1;
    if (apr_pool_create(&scratch, w->pool) != APR_SUCCESS) {
        return;
    }
    c = apr_pcalloc(scratch, sizeof(*c));
    c->op = "AbortMultipartUpload";
    c->what = describe(scratch, w->s3, w->key);
    c->method = "DELETE";
    c->url = apr_pstrcat(scratch, w->url, "?uploadId=",
                         pt_s3_uri_encode(scratch, w->upload_id, 0), NULL);
    call_perform(w->s3, w->h, c, scratch, scratch, NULL);
    apr_pool_destroy(scratch);
}

static apr_status_t writer_cleanup(void *data)
{
    s3_abort(data);
    return APR_SUCCESS;
}

static apr_status_t s3_write_open(pt_store_t *st, apr_pool_t *p,
                                  const char *key, void **wctx,
                                  pt_err_t *err)
{
    s3_store_t *s3 = st->ctx;
    s3_writer_t *w;
    s3_call_t *c;
    apr_status_t rv;

    *wctx = NULL;
    w = apr_pcalloc(p, sizeof(*w));
    w->s3 = s3;
    w->pool = p;
    w->key = full_key(s3, p, key, err);
    if (!w->key) {
        return APR_EINVAL;
    }
    w->url = object_url(s3, p, w->key);
    rv = handle_new(p, &w->h, err);
    if (rv) {
        return rv;
    }

    c = apr_pcalloc(p, sizeof(*c));
    c->op = "CreateMultipartUpload";
    c->what = describe(p, s3, w->key);
    c->method = "POST";
    c->url = apr_pstrcat(p, w->url, "?uploads=", NULL);
    c->content_type = "application/octet-stream";
    rv = call_perform(s3, w->h, c, p, p, err);
    if (rv == APR_SUCCESS
        && (c->status != 200 || *call_error_code(p, c))) {
        rv = call_failed(c, p, err);
    }
    if (rv == APR_SUCCESS
        && (pt_s3_xml_get(p, c->resp.data, c->resp.data + c->resp.len,
                          "UploadId", &w->upload_id) != APR_SUCCESS
            || !*w->upload_id)) {
        rv = pt_err_set(err, p, NULL, 0, "S3 %s of %s: no UploadId in the "
                        "response", c->op, c->what);
    }
    if (rv) {
        pt_curl_release(p, w->h);
        return rv;
    }

    w->buf = apr_palloc(p, s3->part_size);
    w->etags = apr_array_make(p, 4, sizeof(const char *));
    w->active = 1;
    /* Registered after the handle's cleanup, so it runs before it. */
    apr_pool_cleanup_register(p, w, writer_cleanup, apr_pool_cleanup_null);
    *wctx = w;
    return APR_SUCCESS;
}

/* Upload the buffer as the next part and keep its ETag. */
static apr_status_t upload_part(s3_writer_t *w, pt_err_t *err)
{
    apr_pool_t *scratch;
    s3_call_t *c;
    apr_status_t rv;
    int n = w->etags->nelts + 1;

    if (n > PART_MAX_COUNT) {
        return pt_err_set(err, w->pool, NULL, 0, "S3 UploadPart of %s: the "
                          "object is larger than %d parts of %lu bytes",
                          describe(w->pool, w->s3, w->key), PART_MAX_COUNT,
                          (unsigned long)w->s3->part_size);
    }
    rv = apr_pool_create(&scratch, w->pool);
    if (rv) {
        return pt_err_set(err, w->pool, NULL, 0, "S3: out of memory");
    }
    c = apr_pcalloc(scratch, sizeof(*c));
    c->op = "UploadPart";
    c->what = describe(scratch, w->s3, w->key);
    c->method = "PUT";
    c->url = apr_psprintf(scratch, "%s?partNumber=%d&uploadId=%s", w->url, n,
                          pt_s3_uri_encode(scratch, w->upload_id, 0));
    c->body = w->buf;
    c->body_len = w->fill;
    c->bulk = 1;
    rv = call_perform(w->s3, w->h, c, scratch, w->pool, err);
    if (rv == APR_SUCCESS) {
        if (c->status != 200) {
            rv = call_failed(c, w->pool, err);
        }
        else if (!c->etag[0]) {
            rv = pt_err_set(err, w->pool, NULL, 0, "S3 UploadPart %d of %s: "
                            "no ETag in the response", n, c->what);
        }
        else {
            APR_ARRAY_PUSH(w->etags, const char *) =
                apr_pstrdup(w->pool, c->etag);
        }
    }
    apr_pool_destroy(scratch);
    return rv;
}

static apr_status_t writer_usable(s3_writer_t *w, pt_err_t *err)
{
    if (!w->active) {
        return pt_err_set(err, w->pool, NULL, 0, "S3: the upload of %s is "
                          "already committed or aborted",
                          describe(w->pool, w->s3, w->key));
    }
    if (w->failed) {
        return pt_err_set(err, w->pool, NULL, 0, "S3: the upload of %s "
                          "failed earlier", describe(w->pool, w->s3, w->key));
    }
    return APR_SUCCESS;
}

/* A full buffer is uploaded only when more bytes come, so that commit
 * always has the last part to send. */
static apr_status_t s3_write(void *wctx, const char *data, apr_size_t len,
                             pt_err_t *err)
{
    s3_writer_t *w = wctx;
    apr_status_t rv = writer_usable(w, err);

    if (rv) {
        return rv;
    }
    while (len > 0) {
        apr_size_t n;

        if (w->fill == w->s3->part_size) {
            rv = upload_part(w, err);
            if (rv) {
                w->failed = 1;
                return rv;
            }
            w->fill = 0;
        }
        n = w->s3->part_size - w->fill;
        if (n > len) {
            n = len;
        }
        memcpy(w->buf + w->fill, data, n);
        w->fill += n;
        data += n;
        len -= n;
    }
    return APR_SUCCESS;
}

static apr_status_t s3_commit(void *wctx, pt_err_t *err)
{
    s3_writer_t *w = wctx;
    apr_pool_t *scratch;
    s3_call_t *c;
    pt_buf_t xml;
    apr_status_t rv = writer_usable(w, err);
    int i;

    if (rv) {
        return rv;
    }
    rv = upload_part(w, err);
    if (rv) {
        w->failed = 1;
        return rv;
    }
    w->fill = 0;

    rv = apr_pool_create(&scratch, w->pool);
    if (rv) {
        w->failed = 1;
        return pt_err_set(err, w->pool, NULL, 0, "S3: out of memory");
    }
    /* At most 10000 parts of ~100 bytes: well within the bound. */
    pt_buf_init(&xml, scratch, 256 + 100 * (apr_size_t)w->etags->nelts,
                (apr_size_t)4 * 1024 * 1024);
    rv = pt_buf_puts(&xml, "<CompleteMultipartUpload xmlns=\"http://s3."
                     "amazonaws.com/doc/2006-03-01/\">");
    for (i = 0; i < w->etags->nelts && rv == APR_SUCCESS; i++) {
        const char *etag = APR_ARRAY_IDX(w->etags, i, const char *);

        rv = pt_buf_puts(&xml, apr_psprintf(scratch, "<Part><ETag>%s</ETag>"
                                            "<PartNumber>%d</PartNumber>"
                                            "</Part>",
                                            pt_s3_xml_escape(scratch, etag),
                                            i + 1));
    }
    if (rv == APR_SUCCESS) {
        rv = pt_buf_puts(&xml, "</CompleteMultipartUpload>");
    }
    c = apr_pcalloc(scratch, sizeof(*c));
    c->op = "CompleteMultipartUpload";
    c->what = describe(scratch, w->s3, w->key);
    c->method = "POST";
    c->url = apr_pstrcat(scratch, w->url, "?uploadId=",
                         pt_s3_uri_encode(scratch, w->upload_id, 0), NULL);
    c->content_type = "application/xml";
    c->body = xml.data;
    c->body_len = xml.len;
    if (rv) {
        rv = pt_err_set(err, w->pool, NULL, 0, "S3 %s of %s: the part list "
                        "is too long", c->op, c->what);
    }
    else {
        rv = call_perform(w->s3, w->h, c, scratch, w->pool, err);
    }
    /* S3 can report a failure inside a 200, after it started answering. */
    if (rv == APR_SUCCESS
        && (c->status != 200 || *call_error_code(scratch, c))) {
        rv = call_failed(c, w->pool, err);
    }
    apr_pool_destroy(scratch);
    if (rv) {
        w->failed = 1;      /* still active: abort (or the cleanup) ends it */
        return rv;
    }
    w->active = 0;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ reading */

/* 1 when c's failure means "no such object": 404 with NoSuchKey, or with
 * no body at all (HEAD); a missing bucket is an error, not a missing
 * object. */
static int no_such_key(apr_pool_t *p, s3_call_t *c)
{
    const char *code;

    if (c->status != 404) {
        return 0;
    }
    code = call_error_code(p, c);
    return !*code ? c->resp.len == 0 || !strcmp(c->method, "HEAD")
                  : !strcmp(code, "NoSuchKey");
}

/* A call on one object (its full key): op, method, the object's URL. */
static s3_call_t *object_call(apr_pool_t *p, s3_store_t *s3, const char *fk,
                              const char *op, const char *method)
{
    s3_call_t *c = apr_pcalloc(p, sizeof(*c));

    c->op = op;
    c->what = describe(p, s3, fk);
    c->method = method;
    c->url = object_url(s3, p, fk);
    return c;
}

/* Perform c on a handle of its own, released at once. */
static apr_status_t call_once(s3_store_t *s3, s3_call_t *c, apr_pool_t *p,
                              pt_err_t *err)
{
    CURL *h;
    apr_status_t rv = handle_new(p, &h, err);

    if (rv) {
        return rv;
    }
    rv = call_perform(s3, h, c, p, p, err);
    pt_curl_release(p, h);
    return rv;
}

static apr_status_t s3_read(pt_store_t *st, apr_pool_t *p, const char *key,
                            apr_off_t offset, apr_off_t length,
                            pt_store_sink_fn sink, void *baton,
                            pt_err_t *err)
{
    s3_store_t *s3 = st->ctx;
    const char *fk = full_key(s3, p, key, err);
    s3_call_t *c;
    apr_status_t rv;

    if (!fk) {
        return APR_EINVAL;
    }
    if (offset < 0 || length < -1
        || (length > 0 && offset > APR_INT64_MAX - length)) {
        pt_err_set(err, p, NULL, 0, "S3: bad range (offset %" APR_OFF_T_FMT
                   ", length %" APR_OFF_T_FMT ")", offset, length);
        return APR_EINVAL;
    }
    c = object_call(p, s3, fk, "GetObject", "GET");
    c->bulk = 1;
    c->sink = sink;
    c->baton = baton;
    if (length == 0) {
        c->op = "HeadObject";   /* nothing to read: does it exist? */
        c->method = "HEAD";
        c->sink = NULL;
        c->bulk = 0;
    }
    else if (length > 0) {
        c->range = apr_psprintf(p, "bytes=%" APR_OFF_T_FMT "-%" APR_OFF_T_FMT,
                                offset, offset + length - 1);
    }
    else if (offset > 0) {
        c->range = apr_psprintf(p, "bytes=%" APR_OFF_T_FMT "-", offset);
    }

    rv = call_once(s3, c, p, err);
    if (rv) {
        return rv;
    }
    if (c->status == 200 && c->range) {
        /* only reached with an empty body: call_write_cb saw nothing */
        return pt_err_set(err, p, NULL, 0, "S3 %s of %s: the server ignored "
                          "the Range header (HTTP 200)", c->op, c->what);
    }
    if (c->status == 200 || c->status == 206) {
        return APR_SUCCESS;
    }
    if (no_such_key(p, c)) {
        pt_err_set(err, p, NULL, 0, "S3 %s: there is no %s", c->op, c->what);
        return APR_ENOENT;
    }
    return call_failed(c, p, err);
}

/* ------------------------------------------------------------ removing */

static apr_status_t s3_remove(pt_store_t *st, apr_pool_t *p, const char *key,
                              pt_err_t *err)
{
    s3_store_t *s3 = st->ctx;
    const char *fk = full_key(s3, p, key, err);
    s3_call_t *c;
    apr_status_t rv;

    if (!fk) {
        return APR_EINVAL;
    }
    c = object_call(p, s3, fk, "DeleteObject", "DELETE");
    rv = call_once(s3, c, p, err);
    if (rv) {
        return rv;
    }
    if (c->status == 204 || c->status == 200 || no_such_key(p, c)) {
        return APR_SUCCESS;
    }
    return call_failed(c, p, err);
}

/* ------------------------------------------------------------ listing */

/* "true" in element IsTruncated of [s, end). */
static int is_truncated(apr_pool_t *p, const char *s, const char *end)
{
    const char *v;

    return pt_s3_xml_get(p, s, end, "IsTruncated", &v) == APR_SUCCESS
           && !strcmp(v, "true");
}

/* Keep marker (or NULL) in buf (MARKER_MAX + 1 bytes): the pages' pool is
 * cleared for each page.  0 when it is too long. */
static int keep_marker(char *buf, const char *marker)
{
    if (marker && strlen(marker) > MARKER_MAX) {
        return 0;
    }
    apr_cpystrn(buf, marker ? marker : "", MARKER_MAX + 1);
    return 1;
}

/* ListObjectsV2 under the prefix, page by page (memory per page).  When
 * each fails, its status is returned and err is left as each left it. */
static apr_status_t s3_list(pt_store_t *st, apr_pool_t *p,
                            pt_store_each_fn each, void *baton,
                            pt_err_t *err)
{
    s3_store_t *s3 = st->ctx;
    apr_size_t plen = strlen(s3->prefix);
    char *tokbuf = apr_palloc(p, MARKER_MAX + 1);
    const char *token = NULL;
    apr_pool_t *page;
    CURL *h;
    apr_status_t rv;

    rv = handle_new(p, &h, err);
    if (rv) {
        return rv;
    }
    rv = apr_pool_create(&page, p);
    if (rv) {
        pt_curl_release(p, h);
        return pt_err_set(err, p, NULL, 0, "S3: out of memory");
    }
    do {
        s3_call_t *c;
        const char *s, *end, *in, *in_end, *next = NULL;

        apr_pool_clear(page);
        c = apr_pcalloc(page, sizeof(*c));
        c->op = "ListObjectsV2";
        c->what = describe(page, s3, NULL);
        c->method = "GET";
        /* Parameters in byte order: SigV4 signs the query as it is. */
        c->url = apr_pstrcat(page, s3->bucket_url, "?",
                             token ? "continuation-token=" : "",
                             token ? pt_s3_uri_encode(page, token, 0) : "",
                             token ? "&" : "", "list-type=2&prefix=",
                             pt_s3_uri_encode(page, s3->prefix, 0), NULL);
        rv = call_perform(s3, h, c, page, p, err);
        if (rv) {
            break;
        }
        if (c->status != 200 || *call_error_code(page, c)) {
            rv = call_failed(c, p, err);
            break;
        }
        s = c->resp.data;
        end = s + c->resp.len;
        while ((s = pt_s3_xml_find(s, end, "Contents", &in, &in_end))
               != NULL) {
            const char *key, *lm;
            apr_time_t mtime;

            if (pt_s3_xml_get(page, in, in_end, "Key", &key) != APR_SUCCESS
                || pt_s3_xml_get(page, in, in_end, "LastModified", &lm)
                   != APR_SUCCESS
                || pt_s3_iso8601_parse(lm, &mtime) != APR_SUCCESS) {
                rv = pt_err_set(err, p, NULL, 0, "S3 %s of %s: an entry "
                                "without a readable Key or LastModified",
                                c->op, c->what);
                break;
            }
            if (strncmp(key, s3->prefix, plen) || !key[plen]) {
                continue;       /* not ours (the service ignored prefix) */
            }
            rv = each(baton, key + plen, mtime);
            if (rv) {
                break;
            }
        }
        if (rv) {
            break;
        }
        if (is_truncated(page, c->resp.data, end)) {
            if (pt_s3_xml_get(page, c->resp.data, end,
                              "NextContinuationToken", &next) != APR_SUCCESS
                || !*next
                || (token && !strcmp(next, token))
                || !keep_marker(tokbuf, next)) {
                rv = pt_err_set(err, p, NULL, 0, "S3 %s of %s: the listing "
                                "is truncated but gives no new (or a too "
                                "long) NextContinuationToken", c->op,
                                c->what);
                break;
            }
            token = tokbuf;
        }
        else {
            token = NULL;
        }
    } while (token);
    apr_pool_destroy(page);
    pt_curl_release(p, h);
    return rv;
}

/* ------------------------------------------------------------ sweeping */

/* Abort upload upload_id of fullkey; *aborted is 1 when that happened now.
 * An upload that is gone already (NoSuchUpload: it finished meanwhile) is
 * not an error. */
static apr_status_t abort_upload(s3_store_t *s3, CURL *h, apr_pool_t *scratch,
                                 apr_pool_t *ep, const char *fullkey,
                                 const char *upload_id, int *aborted,
                                 pt_err_t *err)
{
    s3_call_t *c = apr_pcalloc(scratch, sizeof(*c));
    apr_status_t rv;

    *aborted = 0;
    c->op = "AbortMultipartUpload";
    c->what = describe(scratch, s3, fullkey);
    c->method = "DELETE";
    c->url = apr_pstrcat(scratch, object_url(s3, scratch, fullkey),
                         "?uploadId=", pt_s3_uri_encode(scratch, upload_id, 0),
                         NULL);
    rv = call_perform(s3, h, c, scratch, ep, err);
    if (rv) {
        return rv;
    }
    if (c->status == 204 || c->status == 200) {
        *aborted = 1;
        return APR_SUCCESS;
    }
    if (c->status == 404 && !strcmp(call_error_code(scratch, c),
                                    "NoSuchUpload")) {
        return APR_SUCCESS;
    }
    return call_failed(c, ep, err);
}

/*
 * ListMultipartUploads under the prefix, page by page, aborting the
 * uploads initiated before older_than.  An upload whose Initiated cannot
 * be read is left alone.  A failed abort does not stop the sweep: the
 * first error is returned at the end.
 */
static apr_status_t s3_sweep(pt_store_t *st, apr_pool_t *p,
                             apr_time_t older_than, int *removed,
                             pt_err_t *err)
{
    s3_store_t *s3 = st->ctx;
    const char *key_marker = NULL, *id_marker = NULL;
    char *kbuf = apr_palloc(p, MARKER_MAX + 1);
    char *ibuf = apr_palloc(p, MARKER_MAX + 1);
    apr_size_t plen = strlen(s3->prefix);
    apr_status_t rv, first = APR_SUCCESS;
    apr_pool_t *page;
    CURL *h;

    *removed = 0;
    rv = handle_new(p, &h, err);
    if (rv) {
        return rv;
    }
    rv = apr_pool_create(&page, p);
    if (rv) {
        pt_curl_release(p, h);
        return pt_err_set(err, p, NULL, 0, "S3: out of memory");
    }
    for (;;) {
        s3_call_t *c;
        const char *s, *end, *in, *in_end, *nk = NULL, *ni = NULL, *code;

        apr_pool_clear(page);
        c = apr_pcalloc(page, sizeof(*c));
        c->op = "ListMultipartUploads";
        c->what = describe(page, s3, NULL);
        c->method = "GET";
        /* Parameters in byte order: SigV4 signs the query as it is. */
        c->url = apr_pstrcat(page, s3->bucket_url, "?",
                             key_marker ? "key-marker=" : "",
                             key_marker ? pt_s3_uri_encode(page, key_marker, 0)
                                        : "",
                             key_marker ? "&" : "", "prefix=",
                             pt_s3_uri_encode(page, s3->prefix, 0),
                             id_marker ? "&upload-id-marker=" : "",
                             id_marker ? pt_s3_uri_encode(page, id_marker, 0)
                                       : "",
                             "&uploads=", NULL);
        rv = call_perform(s3, h, c, page, p, err);
        if (rv) {
            break;
        }
        code = call_error_code(page, c);
        if (c->status == 501 || !strcmp(code, "NotImplemented")) {
            pt_err_set(err, p, NULL, 0, "S3 %s of %s: the service does not "
                       "implement it (HTTP %ld%s%s), so unfinished uploads "
                       "cannot be swept; let a lifecycle rule "
                       "(AbortIncompleteMultipartUpload) remove them",
                       c->op, c->what, c->status, *code ? " " : "", code);
            rv = APR_ENOTIMPL;
            break;
        }
        if (c->status != 200 || *code) {
            rv = call_failed(c, p, err);
            break;
        }
        s = c->resp.data;
        end = s + c->resp.len;
        while ((s = pt_s3_xml_find(s, end, "Upload", &in, &in_end)) != NULL) {
            const char *key, *id, *when;
            apr_time_t initiated;
            int aborted;
            pt_err_t e2 = { NULL, NULL, 0 };

            if (pt_s3_xml_get(page, in, in_end, "Key", &key) != APR_SUCCESS
                || pt_s3_xml_get(page, in, in_end, "UploadId", &id)
                   != APR_SUCCESS
                || pt_s3_xml_get(page, in, in_end, "Initiated", &when)
                   != APR_SUCCESS
                || pt_s3_iso8601_parse(when, &initiated) != APR_SUCCESS
                || !*key || !*id || initiated >= older_than
                || strncmp(key, s3->prefix, plen)) {
                continue;       /* unreadable, recent, or not ours */
            }
            rv = abort_upload(s3, h, page, p, key, id, &aborted, &e2);
            if (rv && first == APR_SUCCESS) {
                first = rv;
                if (err) {
                    *err = e2;
                }
            }
            *removed += aborted;
        }
        rv = APR_SUCCESS;
        if (!is_truncated(page, c->resp.data, end)) {
            break;
        }
        if (pt_s3_xml_get(page, c->resp.data, end, "NextKeyMarker", &nk)
            != APR_SUCCESS || !*nk
            || pt_s3_xml_get(page, c->resp.data, end, "NextUploadIdMarker",
                             &ni) != APR_SUCCESS
            || (key_marker && !strcmp(nk, key_marker) && id_marker
                && !strcmp(ni, id_marker))
            || !keep_marker(kbuf, nk) || !keep_marker(ibuf, ni)) {
            rv = pt_err_set(err, p, NULL, 0, "S3 %s of %s: the listing is "
                            "truncated but gives no new (or a too long) "
                            "NextKeyMarker", c->op, c->what);
            break;
        }
        key_marker = kbuf;
        id_marker = *ibuf ? ibuf : NULL;
    }
    apr_pool_destroy(page);
    pt_curl_release(p, h);
    return rv ? rv : first;
}

/* ------------------------------------------------------------ creating */

static const pt_store_ops_t s3_ops = {
    "s3",
    s3_write_open,
    s3_write,
    s3_commit,
    s3_abort,
    s3_read,
    s3_remove,
    s3_sweep,
    s3_list
};


apr_status_t pt_store_s3_create(apr_pool_t *p, const pt_s3_conf_t *conf,
                                pt_store_t **st, pt_err_t *err)
{
    s3_store_t *s3;
    const char *ep;
    apr_size_t n;

    *st = NULL;
    if (!conf) {
        return pt_err_set(err, p, NULL, 0, "S3: no settings");
    }
    ep = conf->endpoint;
    if (!ep || (strncasecmp(ep, "http://", 7)
                && strncasecmp(ep, "https://", 8))
        || strpbrk(ep, "?# ") || !pt_s3_printable_ok(ep)
        || !ep[strncasecmp(ep, "http://", 7) ? 8 : 7]) {
        return pt_err_set(err, p, NULL, 0, "S3: the endpoint must be an "
                          "http:// or https:// URL without query (got \"%s\")",
                          ep ? pt_s3_one_line(p, ep) : "");
    }
    if (!pt_s3_word_ok(conf->region, "-_", 64)) {
        return pt_err_set(err, p, NULL, 0, "S3: the region must be a name "
                          "like eu-west-1");
    }
    if (!pt_s3_word_ok(conf->bucket, "-_.", 255)) {
        return pt_err_set(err, p, NULL, 0, "S3: the bucket must be a name of "
                          "letters, digits, '-', '_' and '.'");
    }
    if (!conf->access_key || !*conf->access_key
        || !pt_s3_printable_ok(conf->access_key) || !conf->secret_key
        || !*conf->secret_key || !pt_s3_printable_ok(conf->secret_key)) {
        return pt_err_set(err, p, NULL, 0, "S3: the access key and the "
                          "secret key must be set (printable characters)");
    }
    if (conf->prefix && (strlen(conf->prefix) > KEY_MAX / 2
                         || !pt_s3_printable_ok(conf->prefix))) {
        return pt_err_set(err, p, NULL, 0, "S3: the key prefix must be at "
                          "most %d printable characters", KEY_MAX / 2);
    }
    if (conf->part_size < PART_MIN
        || conf->part_size > (apr_size_t)1024 * 1024 * 1024) {
        return pt_err_set(err, p, NULL, 0, "S3: the part size must be from "
                          "5 MiB to 1 GiB (got %lu bytes)",
                          (unsigned long)conf->part_size);
    }

    s3 = apr_pcalloc(p, sizeof(*s3));
    n = strlen(ep);
    while (n > 0 && ep[n - 1] == '/') {
        n--;
    }
    s3->bucket = apr_pstrdup(p, conf->bucket);
    s3->bucket_url = apr_pstrcat(p, apr_pstrmemdup(p, ep, n), "/",
                                 pt_s3_uri_encode(p, conf->bucket, 0), NULL);
    s3->sigv4 = apr_pstrcat(p, "aws:amz:", conf->region, ":s3", NULL);
    s3->access_key = apr_pstrdup(p, conf->access_key);
    s3->secret_key = apr_pstrdup(p, conf->secret_key);
    s3->prefix = apr_pstrdup(p, conf->prefix ? conf->prefix : "");
    s3->part_size = conf->part_size;
    s3->timeout = conf->timeout > 0 ? conf->timeout : DEFAULT_TIMEOUT;
    s3->ca_file = conf->ca_file ? apr_pstrdup(p, conf->ca_file) : NULL;

    *st = apr_pcalloc(p, sizeof(**st));
    (*st)->ops = &s3_ops;
    (*st)->ctx = s3;
    return APR_SUCCESS;
}
