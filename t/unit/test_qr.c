/*
 * test_qr.c -- unit tests of pt_qr.c: the SVG's shape (one path, a
 * viewBox with the quiet zone, role and escaped aria-label, optional
 * size), its modules against libqrencode's own matrix, and a real round
 * trip: the SVG rendered to PNG by rsvg-convert and decoded by zbarimg.
 *   test_qr     (t/unit/test_qr.sh checks that the tools are there)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <qrencode.h>

#include "pt_qr.h"
#include "pt_test.h"
#include "pt_test_run.h"

#define URI "otpauth://totp/Example%20Portal:ada%40example.org?secret=" \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Portal&algorithm=" \
    "SHA1&digits=6&period=30"

static int count_of(const char *s, const char *needle)
{
    int n = 0;

    while ((s = strstr(s, needle)) != NULL) {
        n++;
        s += strlen(needle);
    }
    return n;
}

/* Rebuild the module matrix (full x full, quiet zone included) from the
 * path's "Mx yhnv1h-nz" runs; 0 when the path has another shape. */
static int path_matrix(const char *svg, int full, unsigned char *m)
{
    const char *d = strstr(svg, " d=\"");

    if (!d) {
        return 0;
    }
    d += 4;
    memset(m, 0, (size_t)full * (size_t)full);
    while (*d == 'M') {
        int x, y, n, n2, used = 0, k;

        if (sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &used) != 4
            || used == 0 || n != n2 || n < 1 || x < 0 || y < 0
            || x + n > full || y >= full) {
            return 0;
        }
        for (k = 0; k < n; k++) {
            if (m[y * full + x + k]) {
                return 0;           /* overlapping runs */
            }
            m[y * full + x + k] = 1;
        }
        d += used;
    }
    return *d == '"';
}

static void test_matrix(apr_pool_t *p, const char *text, const char *what)
{
    const char *svg = NULL;
    pt_err_t err = { 0 };
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int w = qr ? qr->width : 0, full = w + 8, x, y, same = 1, quiet = 1;
    unsigned char *m = apr_pcalloc(p, (apr_size_t)(full * full) + 1);
    char vb[64];

    PT_OK(pt_qr_svg(p, text, "QR code", 0, &svg, &err) == APR_SUCCESS,
          "%s: SVG made", what);
    snprintf(vb, sizeof(vb), "viewBox=\"0 0 %d %d\"", full, full);
    PT_OK(svg && strstr(svg, vb), "%s: %s (a %d-module symbol + 4 each side)",
          what, vb, w);
    PT_OK(svg && path_matrix(svg, full, m), "%s: the path is runs of "
          "\"Mx yhnv1h-nz\"", what);
    for (y = 0; y < full; y++) {
        for (x = 0; x < full; x++) {
            int inner = x >= 4 && y >= 4 && x < 4 + w && y < 4 + w;
            int want = inner ? (qr->data[(y - 4) * w + (x - 4)] & 1) : 0;

            same &= m[y * full + x] == want;
            quiet &= inner || !m[y * full + x];
        }
    }
    PT_OK(same, "%s: every module matches libqrencode's matrix", what);
    PT_OK(quiet, "%s: the quiet zone is empty", what);
    QRcode_free(qr);
}

static void test_shape(apr_pool_t *p)
{
    const char *svg = NULL;
    pt_err_t err = { 0 };
    char *big;

    pt_qr_svg(p, URI, "Scan <this> & \"that\" 'now'", 0, &svg, &err);
    PT_OK(svg && !strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
                          40), "starts as an SVG element");
    PT_OK(svg && strlen(svg) > 6 && !strcmp(svg + strlen(svg) - 6, "</svg>"),
          "ends with </svg>");
    PT_OK(svg && count_of(svg, "<path") == 1 && count_of(svg, "<rect") == 1
          && count_of(svg, "<") == 4, "one rect, one path, nothing else");
    PT_OK(svg && strstr(svg, " role=\"img\" "), "role=\"img\"");
    PT_OK(svg && strstr(svg, "aria-label=\"Scan &lt;this&gt; &amp; "
                        "&quot;that&quot; &#39;now&#39;\""),
          "the aria-label, escaped");
    PT_OK(svg && strstr(svg, "<rect") && !memmem(svg, (size_t)(strstr(svg, "<rect") - svg),
                                                 " width=\"", 8)
          && !strstr(svg, "<script")
          && !strstr(svg, "href"), "no size, no script, no reference");
    PT_OK(svg && strstr(svg, "shape-rendering=\"crispEdges\""), "crisp edges");
    PT_OK(svg && strlen(svg) < 12000, "compact: %d bytes for a key URI",
          svg ? (int)strlen(svg) : -1);
    pt_qr_svg(p, URI, "QR", 220, &svg, &err);
    PT_OK(svg && strstr(svg, " width=\"220\" height=\"220\" "),
          "a size gives width and height");
    PT_OK(pt_qr_svg(p, "", "QR", 0, &svg, &err) == APR_EINVAL && !svg,
          "empty text: refused");
    big = apr_palloc(p, PT_QR_MAX_TEXT + 2);
    memset(big, 'a', PT_QR_MAX_TEXT + 1);
    big[PT_QR_MAX_TEXT + 1] = '\0';
    PT_OK(pt_qr_svg(p, big, "QR", 0, &svg, &err) == APR_EINVAL,
          "more than %d bytes: refused", PT_QR_MAX_TEXT);
    PT_OK(pt_qr_svg(p, URI, NULL, 0, &svg, &err) == APR_EINVAL
          && pt_qr_svg(p, URI, "", 0, &svg, &err) == APR_EINVAL,
          "no label: refused");
    PT_OK(pt_qr_svg(p, URI, "QR", -1, &svg, &err) == APR_EINVAL,
          "a negative size: refused");
}

/* Render with rsvg-convert at width px, decode with zbarimg. */
static void round_trip(apr_pool_t *p, const char *text, int px,
                       const char *what)
{
    char dir[] = "/tmp/pt-qr.XXXXXX";
    const char *svg = NULL, *out = NULL, *svgf, *pngf, *cmd;
    pt_err_t err = { 0 };
    FILE *f;
    int st;

    if (!mkdtemp(dir)) {
        PT_OK(0, "%s: a temporary folder", what);
        return;
    }
    svgf = apr_pstrcat(p, dir, "/qr.svg", NULL);
    pngf = apr_pstrcat(p, dir, "/qr.png", NULL);
    pt_qr_svg(p, text, "QR code", 0, &svg, &err);
    f = fopen(svgf, "w");
    if (f) {
        fputs(svg ? svg : "", f);
        fclose(f);
    }
    cmd = apr_psprintf(p, "rsvg-convert -w %d -o '%s' '%s' && zbarimg --raw "
                       "-q '%s'", px, pngf, svgf, pngf);
    st = pt_run(p, cmd, &out);
    PT_OK(st == 0, "%s: rendered at %d px and decoded (exit %d)", what, px,
          st);
    PT_IS_STR(out, text, "%s: zbarimg reads the same text back", what);
    unlink(svgf);
    unlink(pngf);
    rmdir(dir);
}

int main(void)
{
    apr_pool_t *p;
    char *long_text;
    int i;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_shape(p);
    test_matrix(p, URI, "key URI");
    test_matrix(p, "x", "one byte");
    long_text = apr_palloc(p, 1001);
    for (i = 0; i < 1000; i++) {
        long_text[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 7) % 32];
    }
    long_text[1000] = '\0';
    test_matrix(p, long_text, "1000 bytes");
    round_trip(p, URI, 300, "key URI");
    round_trip(p, URI, 150, "key URI, small");
    round_trip(p, long_text, 800, "1000 bytes");
    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
