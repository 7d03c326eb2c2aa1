/*
 * pt_qr.c -- QR code to SVG.  See pt_qr.h.
 */
#include <errno.h>
#include <string.h>

#include <apr_strings.h>

#include <qrencode.h>

#include "pt_qr.h"

/* label with & < > " ' escaped for an attribute value. */
static const char *xml_escape(apr_pool_t *p, const char *s)
{
    apr_size_t n = strlen(s), i, o = 0;
    char *out = apr_palloc(p, n * 6 + 1);

    for (i = 0; i < n; i++) {
        const char *rep = NULL;

        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            apr_size_t k = strlen(rep);

            memcpy(out + o, rep, k);
            o += k;
        }
        else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* Pool cleanup for the QRcode. */
static apr_status_t qr_free(void *data)
{
    QRcode_free(data);
    return APR_SUCCESS;
}

apr_status_t pt_qr_svg(apr_pool_t *p, const char *text, const char *label,
                       int size, const char **svg, pt_err_t *err)
{
    QRcode *qr;
    apr_size_t tlen;
    int w, full, x, y;
    char *out, *o;
    apr_size_t cap;

    *svg = NULL;
    tlen = text ? strlen(text) : 0;
    if (tlen == 0 || tlen > PT_QR_MAX_TEXT) {
        pt_err_set(err, p, NULL, 0, "a QR code holds 1 to %d bytes",
                   PT_QR_MAX_TEXT);
        return APR_EINVAL;
    }
    if (!label || !*label || strlen(label) > PT_QR_MAX_LABEL) {
        pt_err_set(err, p, NULL, 0, "a QR code image needs a label of 1 to "
                   "%d bytes", PT_QR_MAX_LABEL);
        return APR_EINVAL;
    }
    if (size < 0 || size > 10000) {
        pt_err_set(err, p, NULL, 0, "bad QR code size %d", size);
        return APR_EINVAL;
    }
    errno = 0;
    qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) {
        int e = errno;

        pt_err_set(err, p, NULL, 0, "libqrencode cannot encode the text: %s",
                   e ? strerror(e) : "unknown error");
        return e == ENOMEM ? APR_ENOMEM : APR_EGENERAL;
    }
    apr_pool_cleanup_register(p, qr, qr_free, apr_pool_cleanup_null);
    w = qr->width;
    full = w + 2 * PT_QR_QUIET;
    /* worst case: a run per two modules, each "M%d %dh%dv1h-%dz" <= 24 */
    cap = (apr_size_t)w * (apr_size_t)w / 2 * 24 + 64;
    out = apr_palloc(p, cap);
    o = out;
    for (y = 0; y < w; y++) {
        const unsigned char *row = qr->data + (apr_size_t)y * (apr_size_t)w;

        for (x = 0; x < w; x++) {
            int run = 0;

            while (x + run < w && (row[x + run] & 1)) {
                run++;
            }
            if (run) {
                int k = apr_snprintf(o, cap - (apr_size_t)(o - out),
                                     "M%d %dh%dv1h-%dz", x + PT_QR_QUIET,
                                     y + PT_QR_QUIET, run, run);

                o += k;
                x += run;
            }
        }
    }
    *o = '\0';
    *svg = apr_psprintf(p, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                        "viewBox=\"0 0 %d %d\"%s role=\"img\" "
                        "aria-label=\"%s\" shape-rendering=\"crispEdges\">"
                        "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                        "<path fill=\"#000\" d=\"%s\"/></svg>", full, full,
                        size > 0 ? apr_psprintf(p, " width=\"%d\" "
                                                "height=\"%d\"", size, size)
                                 : "",
                        xml_escape(p, label), full, full, out);
    apr_pool_cleanup_run(p, qr, qr_free);
    return APR_SUCCESS;
}
