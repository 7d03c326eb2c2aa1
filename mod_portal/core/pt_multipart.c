/*
 * pt_multipart.c -- streaming multipart/form-data parser (see
 * pt_multipart.h for the grammar and the contracts).
 *
 * The parser is a small state machine driven by pt_mp_feed():
 *
 *   PREAMBLE --delimiter--> TAIL --CRLF--> HEADERS --empty line--> DATA
 *                            |  ^                                   |
 *                            |  +-------------delimiter-------------+
 *                            +--"--"--> DONE (epilogue ignored)
 *
 * In PREAMBLE and DATA the input is searched for the delimiter
 * D = CRLF "--" boundary.  The search rests on one fact: '\r' occurs in D
 * only at D[0] (a boundary has no CR), so a delimiter can only start at a
 * '\r' of the input, and when the bytes after a '\r' stop matching D no
 * later byte before the next '\r' can start one.  memchr() finds the
 * candidates, memcmp() checks them, and everything in between goes to the
 * data callback straight from the caller's buffer.  When a buffer ends in
 * the middle of a possible delimiter, the k bytes matched so far are held
 * back (their value is D[0..k), so only k is stored) until the next buffer
 * tells whether they were a delimiter or data.
 *
 * The start of the body behaves as if a CRLF came before it (held = 2),
 * which lets the first delimiter come without one.
 *
 * TAIL, the rest of a boundary line, is checked byte by byte (it is a few
 * bytes).  HEADERS copies the header block into a buffer of
 * PT_MP_MAX_HEADER bytes, checks each line as it completes and parses the
 * block when the empty line arrives.
 *
 * Longer than the ~600 lines of the norm: one state machine over the whole
 * grammar; splitting it would split its states.
 */
#include <stdarg.h>
#include <string.h>

#include <apr_cstr.h>
#include <apr_strings.h>

#include "pt_multipart.h"
#include "pt_form.h"
#include "pt_crypto.h"

/* Transport padding allowed after a boundary (spaces and tabs). */
#define PT_MP_MAX_PADDING 1024

typedef enum {
    ST_PREAMBLE,        /* before the first delimiter */
    ST_TAIL,            /* right after a delimiter */
    ST_TAIL_DASH,       /* after delimiter "-" */
    ST_TAIL_PAD,        /* in transport padding */
    ST_TAIL_LF,         /* after the CR that ends a boundary line */
    ST_HEADERS,         /* in a part's header block */
    ST_DATA,            /* in a part's body */
    ST_DONE,            /* after the close delimiter */
    ST_FAILED           /* stopped on an error */
} pt_mp_state_t;

struct pt_mp_t {
    apr_pool_t *pool;           /* the parser and its error messages */
    apr_pool_t *part_pool;      /* strings of the current part */
    pt_mp_cb_t cb;
    void *baton;
    pt_mp_state_t state;
    apr_status_t failed;        /* the first error, in ST_FAILED */
    int in_part;

    char *delim;                /* CRLF "--" boundary */
    apr_size_t dlen;
    apr_size_t held;            /* delim[0..held) seen but not yet judged */
    int held_virtual;           /* held includes the CRLF before the body */

    apr_size_t preamble;        /* preamble bytes skipped */
    apr_size_t padding;         /* transport padding of this boundary */
    int nparts;                 /* parts begun (the current one included) */

    char *hbuf;                 /* header block, PT_MP_MAX_HEADER + 1 */
    apr_size_t hlen;
    apr_size_t line_start;      /* offset in hbuf of the current line */

    pt_mp_part_t part;
};

/* RFC 7230 tchar (token characters, also RFC 2045 minus nothing useful). */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 bcharsnospace. */
static int is_bchar_nospace(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return 1;
    }
    return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int pt_mp_boundary_valid(const char *s)
{
    apr_size_t i;

    if (!s || !*s) {
        return 0;
    }
    for (i = 0; s[i]; i++) {
        if (i >= PT_MP_MAX_BOUNDARY) {
            return 0;
        }
        if (!is_bchar_nospace((unsigned char)s[i]) && s[i] != ' ') {
            return 0;
        }
    }
    return s[i - 1] != ' ';
}

/* ------------------------------------------------------------------
 * Header field values: "token *( OWS ';' OWS name '=' value )".
 */

/* Skip spaces and tabs. */
static void skip_ows(const char *s, apr_size_t *pos)
{
    while (is_ows(s[*pos])) {
        (*pos)++;
    }
}

/*
 * The token at s[*pos] (at least one tchar), copied into p; NULL when
 * there is none.
 */
static const char *take_token(apr_pool_t *p, const char *s, apr_size_t *pos)
{
    apr_size_t start = *pos;

    while (is_tchar((unsigned char)s[*pos])) {
        (*pos)++;
    }
    if (*pos == start) {
        return NULL;
    }
    return apr_pstrmemdup(p, s + start, *pos - start);
}

/*
 * The next parameter of a header value at s[*pos]: 1 with *name and
 * *value (unquoted, in p), 0 at the end of s, -1 when malformed.  Empty
 * parameters (";;", a trailing ';') are skipped.  A quoted string may hold
 * any byte but '"'; a backslash escapes '"' and '\' and is literal before
 * anything else.  An unquoted value is a run of bytes other than controls,
 * space, '"' and ';' (non-ASCII allowed: some clients send raw UTF-8).
 */
static int next_param(apr_pool_t *p, const char *s, apr_size_t *pos,
                      const char **name, const char **value)
{
    apr_size_t start;

    for (;;) {
        skip_ows(s, pos);
        if (s[*pos] == '\0') {
            return 0;
        }
        if (s[*pos] != ';') {
            return -1;
        }
        (*pos)++;
        skip_ows(s, pos);
        if (s[*pos] != ';' && s[*pos] != '\0') {
            break;
        }
    }
    *name = take_token(p, s, pos);
    if (!*name) {
        return -1;
    }
    skip_ows(s, pos);
    if (s[*pos] != '=') {
        return -1;
    }
    (*pos)++;
    skip_ows(s, pos);
    if (s[*pos] == '"') {
        apr_size_t i, n = 0, o = 0;
        char *out;

        /* Measure first: the copy takes no more than it needs, however
         * many parameters there are. */
        for (i = *pos + 1; s[i] != '"'; i++, n++) {
            if (s[i] == '\0') {
                return -1;
            }
            if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\')) {
                i++;
            }
        }
        out = apr_palloc(p, n + 1);
        for (i = *pos + 1; s[i] != '"'; i++) {
            if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\')) {
                i++;
            }
            out[o++] = s[i];
        }
        out[o] = '\0';
        *pos = i + 1;
        *value = out;
        return 1;
    }
    start = *pos;
    while ((unsigned char)s[*pos] > ' ' && s[*pos] != 0x7f
           && s[*pos] != ';' && s[*pos] != '"') {
        (*pos)++;
    }
    if (*pos == start) {
        return -1;
    }
    *value = apr_pstrmemdup(p, s + start, *pos - start);
    return 1;
}

apr_status_t pt_mp_boundary(apr_pool_t *p, const char *content_type,
                            const char **boundary, pt_err_t *err)
{
    static const char want[] = "multipart/form-data";
    const char *name, *value, *found = NULL;
    apr_size_t pos = 0, start;
    int r;

    *boundary = NULL;
    if (!content_type) {
        pt_err_set(err, p, NULL, 0, "the request has no Content-Type "
                   "(multipart/form-data expected)");
        return APR_EINVAL;
    }
    skip_ows(content_type, &pos);
    start = pos;
    while (content_type[pos] && content_type[pos] != ';'
           && !is_ows(content_type[pos])) {
        pos++;
    }
    if (pos - start != sizeof(want) - 1
        || apr_cstr_casecmpn(content_type + start, want,
                             sizeof(want) - 1) != 0) {
        pt_err_set(err, p, NULL, 0,
                   "the request body is not multipart/form-data");
        return APR_EINVAL;
    }
    while ((r = next_param(p, content_type, &pos, &name, &value)) == 1) {
        if (apr_cstr_casecmp(name, "boundary") != 0) {
            continue;
        }
        if (found) {
            pt_err_set(err, p, NULL, 0, "the multipart/form-data "
                       "Content-Type has more than one boundary");
            return APR_EINVAL;
        }
        found = value;
    }
    if (r < 0) {
        pt_err_set(err, p, NULL, 0, "malformed parameters in the "
                   "multipart/form-data Content-Type");
        return APR_EINVAL;
    }
    if (!found) {
        pt_err_set(err, p, NULL, 0,
                   "the multipart/form-data Content-Type has no boundary");
        return APR_EINVAL;
    }
    if (!pt_mp_boundary_valid(found)) {
        pt_err_set(err, p, NULL, 0, "the multipart boundary is invalid "
                   "(1-%d letters, digits, spaces and '()+_,-./:=? "
                   "expected)", PT_MP_MAX_BOUNDARY);
        return APR_EINVAL;
    }
    *boundary = found;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------
 * The parser.
 */

/* Fill err with a message about the input; APR_EINVAL. */
static apr_status_t malformed(pt_mp_t *mp, pt_err_t *err, const char *fmt,
                              ...)
    __attribute__((format(printf, 3, 4)));

static apr_status_t malformed(pt_mp_t *mp, pt_err_t *err, const char *fmt,
                              ...)
{
    va_list ap;
    const char *what;

    va_start(ap, fmt);
    what = apr_pvsprintf(mp->pool, fmt, ap);
    va_end(ap);
    pt_err_set(err, mp->pool, NULL, 0, "%s", what);
    return APR_EINVAL;
}

apr_status_t pt_mp_create(apr_pool_t *p, const char *boundary,
                          const pt_mp_cb_t *cb, void *baton, pt_mp_t **mp)
{
    pt_mp_t *m;
    apr_status_t rv;

    *mp = NULL;
    if (!cb || !pt_mp_boundary_valid(boundary)) {
        return APR_EINVAL;
    }
    m = apr_pcalloc(p, sizeof(*m));
    m->pool = p;
    rv = apr_pool_create(&m->part_pool, p);
    if (rv) {
        return rv;
    }
    apr_pool_tag(m->part_pool, "pt_multipart_part");
    m->cb = *cb;
    m->baton = baton;
    m->state = ST_PREAMBLE;
    m->delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    m->dlen = strlen(m->delim);
    m->held = 2;
    m->held_virtual = 1;
    m->hbuf = apr_palloc(p, PT_MP_MAX_HEADER + 1);
    *mp = m;
    return APR_SUCCESS;
}

int pt_mp_in_part(const pt_mp_t *mp)
{
    return mp->in_part;
}

/* n bytes of content: the current part's data, or preamble to skip. */
static apr_status_t emit(pt_mp_t *mp, const char *s, apr_size_t n,
                         pt_err_t *err)
{
    if (n == 0) {
        return APR_SUCCESS;
    }
    if (mp->state == ST_DATA) {
        return mp->cb.data ? mp->cb.data(mp->baton, s, n) : APR_SUCCESS;
    }
    mp->preamble += n;
    if (mp->preamble > PT_MP_MAX_PREAMBLE) {
        return malformed(mp, err, "no multipart boundary in the first "
                         "%d bytes of the body (is it the boundary of "
                         "the Content-Type?)", PT_MP_MAX_PREAMBLE);
    }
    return APR_SUCCESS;
}

/* The held bytes turned out not to be a delimiter: they are content. */
static apr_status_t release_held(pt_mp_t *mp, pt_err_t *err)
{
    apr_size_t skip = mp->held_virtual ? 2 : 0;
    apr_size_t n = mp->held;

    mp->held = 0;
    mp->held_virtual = 0;
    return emit(mp, mp->delim + skip, n - skip, err);
}

/* A whole delimiter was seen: the current part (if any) ends. */
static apr_status_t delimiter_found(pt_mp_t *mp)
{
    int was_data = mp->state == ST_DATA;

    mp->held = 0;
    mp->held_virtual = 0;
    mp->state = ST_TAIL;
    mp->padding = 0;
    if (was_data) {
        mp->in_part = 0;
        if (mp->cb.end) {
            return mp->cb.end(mp->baton);
        }
    }
    return APR_SUCCESS;
}

/*
 * PREAMBLE and DATA: pass on content up to the next delimiter in
 * buf[0..len) (len > 0).  *used is what was consumed (through the
 * delimiter when one was found, else all of it, possibly held).
 */
static apr_status_t scan(pt_mp_t *mp, const char *buf, apr_size_t len,
                         apr_size_t *used, pt_err_t *err)
{
    const char *d = mp->delim;
    apr_size_t dlen = mp->dlen, pos = 0;
    apr_status_t rv;

    *used = len;
    if (mp->held > 0) {
        apr_size_t want = dlen - mp->held;
        apr_size_t m = len < want ? len : want;

        if (memcmp(buf, d + mp->held, m) == 0) {
            if (m == want) {
                *used = m;
                return delimiter_found(mp);
            }
            mp->held += m;
            return APR_SUCCESS;
        }
        /* D[0..held) has its only '\r' at 0: no delimiter starts inside
         * it, so all of it is content. */
        rv = release_held(mp, err);
        if (rv) {
            return rv;
        }
    }
    while (pos < len) {
        const char *r = memchr(buf + pos, '\r', len - pos);
        apr_size_t at, avail;

        if (!r) {
            break;
        }
        at = (apr_size_t)(r - buf);
        avail = len - at;
        if (avail >= dlen) {
            if (memcmp(r, d, dlen) == 0) {
                rv = emit(mp, buf, at, err);
                if (rv) {
                    return rv;
                }
                *used = at + dlen;
                return delimiter_found(mp);
            }
        }
        else if (memcmp(r, d, avail) == 0) {
            mp->held = avail;
            return emit(mp, buf, at, err);
        }
        pos = at + 1;
    }
    return emit(mp, buf, len, err);
}

/* The rest of a boundary line, one byte. */
static apr_status_t tail(pt_mp_t *mp, char c, pt_err_t *err)
{
    if (mp->state == ST_TAIL && c == '-') {
        mp->state = ST_TAIL_DASH;
        return APR_SUCCESS;
    }
    switch (mp->state) {
    case ST_TAIL:
    case ST_TAIL_PAD:
        if (is_ows(c)) {
            mp->state = ST_TAIL_PAD;
            if (++mp->padding > PT_MP_MAX_PADDING) {
                return malformed(mp, err, "more than %d bytes of padding "
                                 "after a multipart boundary",
                                 PT_MP_MAX_PADDING);
            }
            return APR_SUCCESS;
        }
        if (c == '\r') {
            mp->state = ST_TAIL_LF;
            return APR_SUCCESS;
        }
        break;
    case ST_TAIL_DASH:
        if (c == '-') {
            mp->state = ST_DONE;
            return APR_SUCCESS;
        }
        break;
    case ST_TAIL_LF:
        if (c == '\n') {
            if (mp->nparts >= PT_MP_MAX_PARTS) {
                return malformed(mp, err, "the upload has more than %d "
                                 "parts", PT_MP_MAX_PARTS);
            }
            mp->nparts++;
            mp->state = ST_HEADERS;
            mp->hlen = 0;
            mp->line_start = 0;
            return APR_SUCCESS;
        }
        break;
    default:
        break;
    }
    return malformed(mp, err, "garbage after multipart boundary %d "
                     "(a boundary line must end in CRLF)", mp->nparts + 1);
}

/*
 * Check the header line hbuf[line_start..hlen), which ends in '\n', as
 * soon as it is complete.
 */
static apr_status_t check_line(pt_mp_t *mp, pt_err_t *err)
{
    const char *line = mp->hbuf + mp->line_start;
    apr_size_t n = mp->hlen - mp->line_start, i;
    const char *bnd = mp->delim + 2;

    if (n < 2 || line[n - 2] != '\r') {
        return malformed(mp, err, "part %d: a header line ends in a bare "
                         "LF (CRLF expected)", mp->nparts);
    }
    n -= 2;
    if (memchr(line, '\0', n)) {
        return malformed(mp, err, "part %d: NUL byte in the header block",
                         mp->nparts);
    }
    if (memchr(line, '\r', n)) {
        return malformed(mp, err, "part %d: bare CR in the header block",
                         mp->nparts);
    }
    if (n >= mp->dlen - 2 && memcmp(line, bnd, mp->dlen - 2) == 0) {
        return malformed(mp, err, "part %d: the header block does not end "
                         "with an empty line (CRLF)", mp->nparts);
    }
    if (is_ows(line[0])) {
        if (mp->line_start == 0) {
            return malformed(mp, err, "part %d: the header block starts "
                             "with a continuation line", mp->nparts);
        }
        return APR_SUCCESS;
    }
    for (i = 0; i < n && is_tchar((unsigned char)line[i]); i++) {
    }
    if (i == 0 || i == n || line[i] != ':') {
        return malformed(mp, err, "part %d: malformed header line "
                         "(\"Name: value\" expected)", mp->nparts);
    }
    return APR_SUCCESS;
}

/* Decode RFC 3986 percent escapes of s; NULL on a bad escape. */
static char *pct_decode(apr_pool_t *p, const char *s, apr_size_t *len)
{
    char *out = apr_palloc(p, strlen(s) + 1);
    apr_size_t o = 0;

    while (*s) {
        if (*s == '%') {
            int hi = pt_hex_value((unsigned char)s[1]);
            int lo = hi < 0 ? -1 : pt_hex_value((unsigned char)s[2]);

            if (lo < 0) {
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            s += 3;
        }
        else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

/*
 * Decode an RFC 8187 ext-value (charset "'" [language] "'" value-chars)
 * into UTF-8 in *out.  APR_SUCCESS, APR_ENOTIMPL for a charset other than
 * UTF-8 and ISO-8859-1, APR_EINVAL when malformed (no two quotes, bad
 * escape, NUL, invalid UTF-8).
 */
static apr_status_t ext_value(apr_pool_t *p, const char *v, const char **out)
{
    const char *q1 = strchr(v, '\''), *q2;
    char *raw, *utf8;
    apr_size_t len, i, o = 0;
    int latin1;

    q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    if (!q2) {
        return APR_EINVAL;
    }
    if ((apr_size_t)(q1 - v) == 5
        && apr_cstr_casecmpn(v, "UTF-8", 5) == 0) {
        latin1 = 0;
    }
    else if ((apr_size_t)(q1 - v) == 10
             && apr_cstr_casecmpn(v, "ISO-8859-1", 10) == 0) {
        latin1 = 1;
    }
    else {
        return APR_ENOTIMPL;
    }
    raw = pct_decode(p, q2 + 1, &len);
    if (!raw || memchr(raw, '\0', len)) {
        return APR_EINVAL;
    }
    if (!latin1) {
        if (!pt_utf8_valid(raw, len)) {
            return APR_EINVAL;
        }
        *out = raw;
        return APR_SUCCESS;
    }
    utf8 = apr_palloc(p, 2 * len + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];

        if (c < 0x80) {
            utf8[o++] = (char)c;
        }
        else {
            utf8[o++] = (char)(0xc0 | (c >> 6));
            utf8[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    utf8[o] = '\0';
    *out = utf8;
    return APR_SUCCESS;
}

/* Fill mp->part from a Content-Disposition value (in the part pool). */
static apr_status_t disposition(pt_mp_t *mp, const char *v, pt_err_t *err)
{
    apr_pool_t *p = mp->part_pool;
    const char *pname, *pvalue, *name = NULL, *filename = NULL;
    const char *ext = NULL;
    apr_size_t pos = 0;
    int r;

    skip_ows(v, &pos);
    pname = take_token(p, v, &pos);
    if (!pname || apr_cstr_casecmp(pname, "form-data") != 0) {
        return malformed(mp, err, "part %d: Content-Disposition is not "
                         "form-data", mp->nparts);
    }
    while ((r = next_param(p, v, &pos, &pname, &pvalue)) == 1) {
        const char **slot;

        if (apr_cstr_casecmp(pname, "name") == 0) {
            slot = &name;
        }
        else if (apr_cstr_casecmp(pname, "filename") == 0) {
            slot = &filename;
        }
        else if (apr_cstr_casecmp(pname, "filename*") == 0) {
            slot = &ext;
        }
        else {
            continue;
        }
        if (*slot) {
            return malformed(mp, err, "part %d: Content-Disposition has "
                             "two %s parameters", mp->nparts, pname);
        }
        *slot = pvalue;
    }
    if (r < 0) {
        return malformed(mp, err, "part %d: malformed Content-Disposition "
                         "parameters", mp->nparts);
    }
    if (!name) {
        return malformed(mp, err, "part %d: Content-Disposition has no "
                         "name", mp->nparts);
    }
    if (ext) {
        const char *decoded = NULL;
        apr_status_t rv = ext_value(p, ext, &decoded);

        if (rv == APR_SUCCESS) {
            filename = decoded;
        }
        else if (rv != APR_ENOTIMPL) {
            return malformed(mp, err, "part %d: malformed filename* "
                             "(RFC 8187) in Content-Disposition",
                             mp->nparts);
        }
        else if (!filename) {
            return malformed(mp, err, "part %d: filename* uses a charset "
                             "other than UTF-8 and ISO-8859-1", mp->nparts);
        }
    }
    mp->part.name = name;
    mp->part.filename = filename;
    return APR_SUCCESS;
}

/*
 * The header block hbuf[0..hlen) is complete (every line checked, the
 * last two bytes are the empty line): parse it and begin the part.
 */
static apr_status_t begin_part(pt_mp_t *mp, pt_err_t *err)
{
    char *h = mp->hbuf, *end = mp->hbuf + mp->hlen - 2;
    const char *cd = NULL, *ct = NULL;
    apr_size_t i;
    apr_status_t rv;

    apr_pool_clear(mp->part_pool);
    memset(&mp->part, 0, sizeof(mp->part));
    /* Unfold: CRLF before a space or tab becomes two spaces. */
    for (i = 0; i + 2 < mp->hlen - 2; i++) {
        if (h[i] == '\r' && is_ows(h[i + 2])) {
            h[i] = ' ';
            h[i + 1] = ' ';
        }
    }
    while (h < end) {
        char *eol = memchr(h, '\r', (apr_size_t)(end - h));
        char *colon = memchr(h, ':', (apr_size_t)(eol - h));
        char *v = colon + 1, *ve = eol;
        const char **slot = NULL;

        /* check_line() saw to it that every line has a name and a colon */
        *colon = '\0';
        while (v < ve && is_ows(*v)) {
            v++;
        }
        while (ve > v && is_ows(ve[-1])) {
            ve--;
        }
        if (apr_cstr_casecmp(h, "Content-Disposition") == 0) {
            slot = &cd;
        }
        else if (apr_cstr_casecmp(h, "Content-Type") == 0) {
            slot = &ct;
        }
        if (slot) {
            if (*slot) {
                return malformed(mp, err, "part %d: two %s headers",
                                 mp->nparts, h);
            }
            *slot = apr_pstrmemdup(mp->part_pool, v, (apr_size_t)(ve - v));
        }
        h = eol + 2;
    }
    if (!cd) {
        return malformed(mp, err, "part %d has no Content-Disposition "
                         "header", mp->nparts);
    }
    rv = disposition(mp, cd, err);
    if (rv) {
        return rv;
    }
    mp->part.content_type = ct;
    mp->state = ST_DATA;
    mp->in_part = 1;
    if (mp->cb.begin) {
        return mp->cb.begin(mp->baton, &mp->part);
    }
    return APR_SUCCESS;
}

/* HEADERS: collect header lines from buf[0..len) (len > 0). */
static apr_status_t headers(pt_mp_t *mp, const char *buf, apr_size_t len,
                            apr_size_t *used, pt_err_t *err)
{
    const char *nl = memchr(buf, '\n', len);
    apr_size_t n = nl ? (apr_size_t)(nl - buf) + 1 : len;
    apr_status_t rv;

    *used = n;
    if (n > PT_MP_MAX_HEADER - mp->hlen) {
        return malformed(mp, err, "part %d: the header block is larger "
                         "than %d bytes", mp->nparts, PT_MP_MAX_HEADER);
    }
    memcpy(mp->hbuf + mp->hlen, buf, n);
    mp->hlen += n;
    if (!nl) {
        return APR_SUCCESS;
    }
    if (mp->hlen - mp->line_start == 2 && mp->hbuf[mp->line_start] == '\r') {
        return begin_part(mp, err);
    }
    rv = check_line(mp, err);
    mp->line_start = mp->hlen;
    return rv;
}

/* Fill err with a constant message, allocating nothing (these can be
 * asked for again and again). */
static void set_what(pt_err_t *err, const char *what)
{
    if (err) {
        err->what = what;
        err->where = NULL;
        err->line = 0;
    }
}

/* The error for input after a failure. */
static apr_status_t refuse(pt_mp_t *mp, pt_err_t *err)
{
    set_what(err, "the multipart parser has already stopped on an error");
    return mp->failed;
}

apr_status_t pt_mp_feed(pt_mp_t *mp, const char *buf, apr_size_t len,
                        pt_err_t *err)
{
    apr_size_t pos = 0, used = 0;
    apr_status_t rv;

    if (mp->state == ST_FAILED) {
        return refuse(mp, err);
    }
    while (pos < len) {
        switch (mp->state) {
        case ST_PREAMBLE:
        case ST_DATA:
            rv = scan(mp, buf + pos, len - pos, &used, err);
            break;
        case ST_HEADERS:
            rv = headers(mp, buf + pos, len - pos, &used, err);
            break;
        case ST_DONE:
            return APR_SUCCESS;
        default:
            rv = tail(mp, buf[pos], err);
            used = 1;
            break;
        }
        if (rv) {
            mp->state = ST_FAILED;
            mp->failed = rv;
            return rv;
        }
        pos += used;
    }
    return APR_SUCCESS;
}

apr_status_t pt_mp_finish(pt_mp_t *mp, pt_err_t *err)
{
    switch (mp->state) {
    case ST_DONE:
        return APR_SUCCESS;
    case ST_FAILED:
        return refuse(mp, err);
    case ST_PREAMBLE:
        set_what(err, "the upload was cut off before its first multipart "
                 "boundary (or the body does not use the boundary of its "
                 "Content-Type)");
        return APR_EINCOMPLETE;
    default:
        set_what(err, "the upload was cut off before the end of the "
                 "multipart body");
        return APR_EINCOMPLETE;
    }
}
