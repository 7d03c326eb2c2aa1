/*
 * pt_qr.h -- QR codes as small inline SVG images (libqrencode), for the
 * otpauth:// URI of two-step sign-in enrolment.
 *
 * The SVG is one element the page can inline (no script, no external
 * reference, so the Content-Security-Policy stays as it is):
 *
 *   <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 W W"
 *        [width="S" height="S"] role="img" aria-label="LABEL"
 *        shape-rendering="crispEdges">
 *     <rect width="W" height="W" fill="#fff"/>
 *     <path fill="#000" d="M4 4h7v1h-7z..."/>
 *   </svg>
 *
 * W is the symbol's width in modules plus a quiet zone of PT_QR_QUIET
 * modules on every side (scanners need it, and the white rectangle keeps
 * it white on a dark page); one unit of the viewBox is one module, so the
 * image scales to any size without blurring.  Each run of dark modules in
 * a row is one "M x y h n v 1 h -n z" sub-path of the single path.
 *
 * Thread-safe as long as libqrencode is built with pthread support (as in
 * Debian).
 */
#ifndef PT_QR_H
#define PT_QR_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"

#define PT_QR_QUIET 4              /* modules of white border */
#define PT_QR_MAX_TEXT 1024        /* longest text encoded */
#define PT_QR_MAX_LABEL 200

/*
 * The QR code of text (1 to PT_QR_MAX_TEXT bytes, encoded as is, error
 * correction level M, the smallest version that holds it) as SVG in *svg.
 * label: the image's accessible name (aria-label), e.g. "QR code for
 * two-step sign-in"; XML-escaped here; NULL or empty is APR_EINVAL (an
 * image without a name is not accessible).  size: the width and height in
 * CSS pixels, or 0 for none (the page's CSS sizes it).
 * Errors: APR_EINVAL + err for empty or too long text, a missing or too
 * long label, a negative size; APR_ENOMEM/APR_EGENERAL + err when
 * libqrencode fails.
 */
apr_status_t pt_qr_svg(apr_pool_t *p, const char *text, const char *label,
                       int size, const char **svg, pt_err_t *err);

#endif /* PT_QR_H */
