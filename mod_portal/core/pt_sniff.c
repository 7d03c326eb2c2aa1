/*
 * pt_sniff.c -- streaming content-type detection and extension checks
 * (see pt_sniff.h for the contracts).
 *
 * Three things run over the stream as it is fed:
 *  - the first PT_SNIFF_HEAD bytes are kept; magic numbers are read from
 *    them only when the type is asked for;
 *  - a UTF-8 validator (a word at a time over printable ASCII) decides
 *    whether the whole file is text;
 *  - for a file that starts like a ZIP archive, a scanner looks for local
 *    and central directory headers anywhere in the stream and notes the
 *    entry names that make an OOXML document.  A header may straddle two
 *    chunks: the last ZIP_CARRY bytes of the stream are kept, and headers
 *    that start in them are looked at again together with the start of the
 *    next chunk.  Noting a name is idempotent, so a header seen twice does
 *    no harm, and every header is seen complete at least once.
 *
 * Longer than the ~600 lines of the norm: one streaming detector: the
 * magic-number table and the ZIP walker that checks Office packages feed
 * the same state.
 */
#include <stdint.h>
#include <string.h>

#include <apr_strings.h>

#include "pt_sniff.h"

/* A local header's name starts at 30, a central one's at 46; the longest
 * name we look for has 20 bytes. */
#define ZIP_NAME_MAX 20
#define ZIP_HDR_MAX (46 + ZIP_NAME_MAX)
#define ZIP_CARRY (ZIP_HDR_MAX - 1)

/* Entry names seen in a ZIP archive. */
#define ZIP_CTYPES 0x01     /* [Content_Types].xml */
#define ZIP_WORD   0x02     /* word/document.xml */
#define ZIP_XL     0x04     /* xl/workbook.xml */
#define ZIP_PPT    0x08     /* ppt/presentation.xml */

struct pt_sniff_t {
    unsigned char head[PT_SNIFF_HEAD];
    apr_size_t head_len;

    int text;                   /* no byte so far rules text out */
    unsigned int u8_need;       /* continuation bytes still expected */
    unsigned char u8_lo, u8_hi; /* range of the next continuation byte */

    int zip_scan;               /* the file may still be a ZIP archive */
    unsigned int zip_parts;     /* ZIP_* seen */
    unsigned char carry[ZIP_CARRY];
    apr_size_t carry_len;
};

/* What the magic number says. */
typedef enum {
    K_NONE, K_PDF, K_PNG, K_JPEG, K_GIF, K_WEBP, K_BMP, K_TIFF, K_ZIP,
    K_GZIP, K_BZIP2, K_XZ, K_ZSTD, K_7Z, K_RAR, K_MP3, K_FTYP, K_WAV, K_AVI,
    K_OGG, K_FLAC, K_OLE, K_PE, K_ELF, K_MACHO, K_JAVA,
    K_DOCX, K_XLSX, K_PPTX      /* refinements of K_ZIP */
} kind_t;

static const char *const kind_type[] = {
    [K_NONE] = NULL,
    [K_PDF] = "application/pdf",
    [K_PNG] = "image/png",
    [K_JPEG] = "image/jpeg",
    [K_GIF] = "image/gif",
    [K_WEBP] = "image/webp",
    [K_BMP] = "image/bmp",
    [K_TIFF] = "image/tiff",
    [K_ZIP] = "application/zip",
    [K_GZIP] = "application/gzip",
    [K_BZIP2] = "application/x-bzip2",
    [K_XZ] = "application/x-xz",
    [K_ZSTD] = "application/zstd",
    [K_7Z] = "application/x-7z-compressed",
    [K_RAR] = "application/vnd.rar",
    [K_MP3] = "audio/mpeg",
    [K_FTYP] = "video/mp4",
    [K_WAV] = "audio/wav",
    [K_AVI] = "video/x-msvideo",
    [K_OGG] = "audio/ogg",
    [K_FLAC] = "audio/flac",
    [K_OLE] = "application/x-ole-storage",
    [K_PE] = "application/x-msdownload",
    [K_ELF] = "application/x-executable",
    [K_MACHO] = "application/x-mach-binary",
    [K_JAVA] = "application/java-vm",
    [K_DOCX] = "application/"
        "vnd.openxmlformats-officedocument.wordprocessingml.document",
    [K_XLSX] = "application/"
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    [K_PPTX] = "application/"
        "vnd.openxmlformats-officedocument.presentationml.presentation"
};

/* Extensions whose format has a magic number, and the kind they need. */
typedef struct {
    const char *ext;
    kind_t kind;
} ext_kind_t;

static const ext_kind_t magic_exts[] = {
    { "pdf", K_PDF }, { "png", K_PNG }, { "jpg", K_JPEG },
    { "jpeg", K_JPEG }, { "jpe", K_JPEG }, { "jfif", K_JPEG },
    { "gif", K_GIF }, { "webp", K_WEBP }, { "bmp", K_BMP },
    { "tif", K_TIFF }, { "tiff", K_TIFF }, { "zip", K_ZIP },
    { "jar", K_ZIP }, { "apk", K_ZIP }, { "odt", K_ZIP }, { "ods", K_ZIP },
    { "odp", K_ZIP }, { "epub", K_ZIP }, { "docx", K_DOCX },
    { "xlsx", K_XLSX }, { "pptx", K_PPTX }, { "gz", K_GZIP },
    { "tgz", K_GZIP }, { "bz2", K_BZIP2 }, { "xz", K_XZ },
    { "zst", K_ZSTD }, { "7z", K_7Z }, { "rar", K_RAR }, { "mp3", K_MP3 },
    { "mp4", K_FTYP }, { "m4v", K_FTYP }, { "m4a", K_FTYP },
    { "mov", K_FTYP }, { "3gp", K_FTYP }, { "heic", K_FTYP },
    { "avif", K_FTYP }, { "wav", K_WAV }, { "avi", K_AVI },
    { "ogg", K_OGG }, { "oga", K_OGG }, { "ogv", K_OGG },
    { "opus", K_OGG }, { "flac", K_FLAC }, { "doc", K_OLE },
    { "xls", K_OLE }, { "ppt", K_OLE }, { "msi", K_OLE }, { "exe", K_PE },
    { "dll", K_PE }, { "sys", K_PE }, { "scr", K_PE }, { "cpl", K_PE },
    { "ocx", K_PE }, { "efi", K_PE }, { "class", K_JAVA },
    { NULL, K_NONE }
};

static const char *const text_exts[] = {
    "txt", "text", "csv", "tsv", "md", "markdown", "log", "json", "xml",
    "html", "htm", "svg", "css", "ini", "yaml", "yml", "ics", "vcf", "rst",
    "tex", NULL
};

/* Extensions an executable of each kind may have ("" and "bin" for all). */
static const char *const pe_exts[] = {
    "exe", "dll", "sys", "scr", "cpl", "ocx", "efi", "com", NULL
};
static const char *const elf_exts[] = { "so", "o", "ko", "elf", "out", NULL };
static const char *const macho_exts[] = { "dylib", "bundle", "o", NULL };

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++) {
        if (!strcmp(*list, s)) {
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- text */

/* C0 controls that text files do carry: TAB, LF, VT, FF, CR, ESC. */
static int text_control_ok(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x1b;
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* 1 when the 8 bytes at d are all in 0x20..0x7f. */
static int ascii_printable8(const unsigned char *d)
{
    uint64_t w;

    memcpy(&w, d, sizeof(w));
    /* No high bit, and no byte below 0x20 (the classic has-less-than). */
    return !(w & HIGHS) && !((w - ONES * 0x20) & ~w & HIGHS);
}

static void text_feed(pt_sniff_t *s, const unsigned char *d, apr_size_t n)
{
    apr_size_t i = 0;

    while (i < n) {
        unsigned char c = d[i];

        if (s->u8_need) {
            if (c < s->u8_lo || c > s->u8_hi) {
                s->text = 0;
                return;
            }
            s->u8_lo = 0x80;
            s->u8_hi = 0xbf;
            s->u8_need--;
            i++;
            continue;
        }
        if (c < 0x80 && n - i >= 8 && ascii_printable8(d + i)) {
            i += 8;
            continue;
        }
        i++;
        if (c < 0x80) {
            if (c < 0x20 && !text_control_ok(c)) {
                s->text = 0;
                return;
            }
            continue;
        }
        /* The lead byte fixes the length and, for E0, ED, F0 and F4, the
         * range of the next byte (no overlongs, surrogates, > U+10FFFF). */
        s->u8_lo = 0x80;
        s->u8_hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            s->u8_need = 1;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            s->u8_need = 2;
            if (c == 0xe0) {
                s->u8_lo = 0xa0;
            }
            else if (c == 0xed) {
                s->u8_hi = 0x9f;
            }
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            s->u8_need = 3;
            if (c == 0xf0) {
                s->u8_lo = 0x90;
            }
            else if (c == 0xf4) {
                s->u8_hi = 0x8f;
            }
        }
        else {
            s->text = 0;
            return;
        }
        /* A whole sequence in this chunk is checked here and now; one that
         * goes on in the next chunk is finished by the state above. */
        if (n - i >= s->u8_need) {
            apr_size_t k;

            if (d[i] < s->u8_lo || d[i] > s->u8_hi) {
                s->text = 0;
                return;
            }
            for (k = 1; k < s->u8_need; k++) {
                if ((d[i + k] & 0xc0) != 0x80) {
                    s->text = 0;
                    return;
                }
            }
            i += s->u8_need;
            s->u8_need = 0;
        }
    }
}

static int is_text(const pt_sniff_t *s)
{
    return s->text && s->u8_need == 0;
}

/* ---------------------------------------------------------------- zip */

static const struct {
    const char *name;
    unsigned int flag;
} zip_parts[] = {
    { "[Content_Types].xml", ZIP_CTYPES },
    { "word/document.xml", ZIP_WORD },
    { "xl/workbook.xml", ZIP_XL },
    { "ppt/presentation.xml", ZIP_PPT },
    { NULL, 0 }
};

static int ascii_casematch(const unsigned char *a, const char *b,
                           apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        unsigned char x = a[i], y = (unsigned char)b[i];

        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char)(y - 'A' + 'a');
        }
        if (x != y) {
            return 0;
        }
    }
    return 1;
}

/* Look at a possible header at b[0..avail): when it is a local or central
 * directory header and its name is all there, note the name.  Incomplete
 * headers are left alone; they are seen again from the carry. */
static void zip_header(pt_sniff_t *s, const unsigned char *b,
                       apr_size_t avail)
{
    apr_size_t name_at, len_at, nlen;
    int i;

    if (avail < 4 || b[0] != 'P' || b[1] != 'K') {
        return;
    }
    if (b[2] == 3 && b[3] == 4) {
        name_at = 30;
        len_at = 26;
    }
    else if (b[2] == 1 && b[3] == 2) {
        name_at = 46;
        len_at = 28;
    }
    else {
        return;
    }
    if (avail < len_at + 2) {
        return;
    }
    nlen = (apr_size_t)b[len_at] | ((apr_size_t)b[len_at + 1] << 8);
    if (nlen > ZIP_NAME_MAX || avail < name_at + nlen) {
        return;
    }
    for (i = 0; zip_parts[i].name; i++) {
        if (strlen(zip_parts[i].name) == nlen
            && ascii_casematch(b + name_at, zip_parts[i].name, nlen)) {
            s->zip_parts |= zip_parts[i].flag;
        }
    }
}

static void zip_feed(pt_sniff_t *s, const unsigned char *d, apr_size_t n)
{
    const unsigned char *q, *end = d + n;
    apr_size_t i, keep;

    /* Headers that start in the carry, completed by this chunk. */
    if (s->carry_len) {
        unsigned char tmp[2 * ZIP_CARRY];
        apr_size_t more = n < ZIP_CARRY ? n : ZIP_CARRY;
        apr_size_t tlen = s->carry_len + more;

        memcpy(tmp, s->carry, s->carry_len);
        memcpy(tmp + s->carry_len, d, more);
        for (i = 0; i < s->carry_len; i++) {
            if (tmp[i] == 'P') {
                zip_header(s, tmp + i, tlen - i);
            }
        }
    }

    /* Headers that start in this chunk.  memchr skips the bulk; a 'P' at
     * or right after the current byte is taken without it, so that runs
     * like "PPPP" or "PKPK" do not cost a call per byte. */
    q = d;
    while (q < end) {
        if (*q != 'P' && end - q > 1 && q[1] == 'P') {
            q++;
        }
        else if (*q != 'P') {
            q = memchr(q, 'P', (apr_size_t)(end - q));
            if (!q) {
                break;
            }
        }
        if (end - q >= 4 && q[1] == 'K') {
            zip_header(s, q, (apr_size_t)(end - q));
        }
        q++;
    }

    /* The new carry: the last ZIP_CARRY bytes of the stream. */
    if (n >= ZIP_CARRY) {
        memcpy(s->carry, end - ZIP_CARRY, ZIP_CARRY);
        s->carry_len = ZIP_CARRY;
    }
    else {
        keep = s->carry_len < ZIP_CARRY - n ? s->carry_len : ZIP_CARRY - n;
        memmove(s->carry, s->carry + s->carry_len - keep, keep);
        memcpy(s->carry + keep, d, n);
        s->carry_len = keep + n;
    }
}

/* 1 while the bytes seen so far start like a ZIP archive. */
static int zip_start(const pt_sniff_t *s)
{
    static const unsigned char sigs[][4] = {
        { 'P', 'K', 3, 4 }, { 'P', 'K', 5, 6 }, { 'P', 'K', 7, 8 }
    };
    apr_size_t n = s->head_len < 4 ? s->head_len : 4;
    apr_size_t i;

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if (!memcmp(s->head, sigs[i], n)) {
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- API */

pt_sniff_t *pt_sniff_create(apr_pool_t *p)
{
    pt_sniff_t *s = apr_pcalloc(p, sizeof(*s));

    s->text = 1;
    s->zip_scan = 1;
    return s;
}

void pt_sniff_feed(pt_sniff_t *s, const char *data, apr_size_t len)
{
    const unsigned char *d = (const unsigned char *)data;

    if (len == 0) {
        return;
    }
    if (s->head_len < PT_SNIFF_HEAD) {
        apr_size_t n = PT_SNIFF_HEAD - s->head_len;

        if (n > len) {
            n = len;
        }
        memcpy(s->head + s->head_len, d, n);
        s->head_len += n;
        if (s->zip_scan && !zip_start(s)) {
            s->zip_scan = 0;
        }
    }
    if (s->text) {
        text_feed(s, d, len);
    }
    if (s->zip_scan) {
        zip_feed(s, d, len);
    }
}

static int head_is(const pt_sniff_t *s, apr_size_t at, const void *m,
                   apr_size_t n)
{
    return s->head_len >= at + n && !memcmp(s->head + at, m, n);
}

static unsigned long be32(const unsigned char *b)
{
    return ((unsigned long)b[0] << 24) | ((unsigned long)b[1] << 16)
           | ((unsigned long)b[2] << 8) | b[3];
}

static unsigned long le32(const unsigned char *b)
{
    return ((unsigned long)b[3] << 24) | ((unsigned long)b[2] << 16)
           | ((unsigned long)b[1] << 8) | b[0];
}

/* An ID3v2 tag header, or an MPEG audio frame header with no reserved or
 * invalid field (ADTS AAC, layer "00", is not MP3). */
static int is_mp3(const pt_sniff_t *s)
{
    const unsigned char *h = s->head;

    if (s->head_len >= 10 && head_is(s, 0, "ID3", 3)) {
        return h[3] >= 2 && h[3] <= 4 && h[5] != 0xff && h[6] < 0x80
               && h[7] < 0x80 && h[8] < 0x80 && h[9] < 0x80;
    }
    return s->head_len >= 4 && h[0] == 0xff && (h[1] & 0xe0) == 0xe0
           && ((h[1] >> 3) & 3) != 1 && ((h[1] >> 1) & 3) != 0
           && (h[2] >> 4) != 15 && ((h[2] >> 2) & 3) != 3;
}

/* The magic number at the start of the file. */
static kind_t magic_kind(const pt_sniff_t *s)
{
    const unsigned char *h = s->head;
    apr_size_t n = s->head_len;

    if (head_is(s, 0, "%PDF-", 5)) {
        return K_PDF;
    }
    if (head_is(s, 0, "\x89PNG\r\n\x1a\n", 8)) {
        return K_PNG;
    }
    if (head_is(s, 0, "\xff\xd8\xff", 3)) {
        return K_JPEG;
    }
    if (head_is(s, 0, "GIF87a", 6) || head_is(s, 0, "GIF89a", 6)) {
        return K_GIF;
    }
    if (head_is(s, 0, "RIFF", 4) && n >= 12) {
        if (head_is(s, 8, "WEBP", 4)) {
            return K_WEBP;
        }
        if (head_is(s, 8, "WAVE", 4)) {
            return K_WAV;
        }
        if (head_is(s, 8, "AVI ", 4)) {
            return K_AVI;
        }
    }
    if (head_is(s, 0, "BM", 2) && n >= 18 && !memcmp(h + 6, "\0\0\0\0", 4)) {
        unsigned long dib = le32(h + 14);

        if (dib == 12 || dib == 16 || dib == 40 || dib == 52 || dib == 56
            || dib == 64 || dib == 108 || dib == 124) {
            return K_BMP;
        }
    }
    if (head_is(s, 0, "II*\0", 4) || head_is(s, 0, "MM\0*", 4)
        || head_is(s, 0, "II+\0", 4) || head_is(s, 0, "MM\0+", 4)) {
        return K_TIFF;
    }
    if (head_is(s, 0, "PK\3\4", 4) || head_is(s, 0, "PK\5\6", 4)
        || head_is(s, 0, "PK\7\x08", 4)) {
        return K_ZIP;
    }
    if (head_is(s, 0, "\x1f\x8b\x08", 3)) {
        return K_GZIP;
    }
    if (head_is(s, 0, "BZh", 3) && n >= 10 && h[3] >= '1' && h[3] <= '9'
        && (!memcmp(h + 4, "\x31\x41\x59\x26\x53\x59", 6)
            || !memcmp(h + 4, "\x17\x72\x45\x38\x50\x90", 6))) {
        return K_BZIP2;
    }
    if (head_is(s, 0, "\xfd" "7zXZ\0", 6)) {
        return K_XZ;
    }
    if (head_is(s, 0, "\x28\xb5\x2f\xfd", 4)) {
        return K_ZSTD;
    }
    if (head_is(s, 0, "7z\xbc\xaf\x27\x1c", 6)) {
        return K_7Z;
    }
    if (head_is(s, 0, "Rar!\x1a\x07\x00", 7)
        || head_is(s, 0, "Rar!\x1a\x07\x01\x00", 8)) {
        return K_RAR;
    }
    if (head_is(s, 4, "ftyp", 4) && n >= 12) {
        unsigned long box = be32(h);

        if (box >= 12 && box <= 4096) {
            return K_FTYP;
        }
    }
    if (head_is(s, 0, "OggS\0", 5)) {
        return K_OGG;
    }
    if (head_is(s, 0, "fLaC", 4)) {
        return K_FLAC;
    }
    if (head_is(s, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
        return K_OLE;
    }
    /* "MZ" alone starts ordinary text too: a DOS header is 64 bytes and,
     * in every real one, has NUL bytes (e_lfanew's high bytes at least). */
    if (head_is(s, 0, "MZ", 2) && n >= 64 && memchr(h, 0, 64)) {
        return K_PE;
    }
    if (head_is(s, 0, "\x7f" "ELF", 4) && n >= 6 && (h[4] == 1 || h[4] == 2)
        && (h[5] == 1 || h[5] == 2)) {
        return K_ELF;
    }
    if (head_is(s, 0, "\xfe\xed\xfa\xce", 4)
        || head_is(s, 0, "\xfe\xed\xfa\xcf", 4)
        || head_is(s, 0, "\xce\xfa\xed\xfe", 4)
        || head_is(s, 0, "\xcf\xfa\xed\xfe", 4)) {
        return K_MACHO;
    }
    if (head_is(s, 0, "\xca\xfe\xba\xbe", 4) && n >= 8) {
        /* Fat Mach-O counts its architectures here; a Java class file has
         * its version (major >= 45) in the same place. */
        unsigned long v = be32(h + 4);

        if (v >= 1 && v <= 30) {
            return K_MACHO;
        }
        if ((v & 0xffff) >= 45) {
            return K_JAVA;
        }
    }
    if (is_mp3(s)) {
        return K_MP3;
    }
    return K_NONE;
}

/* K_ZIP refined by the OOXML parts seen. */
static kind_t zip_kind(const pt_sniff_t *s)
{
    if (s->zip_parts & ZIP_CTYPES) {
        if (s->zip_parts & ZIP_WORD) {
            return K_DOCX;
        }
        if (s->zip_parts & ZIP_XL) {
            return K_XLSX;
        }
        if (s->zip_parts & ZIP_PPT) {
            return K_PPTX;
        }
    }
    return K_ZIP;
}

static const char *ftyp_type(const pt_sniff_t *s)
{
    static const struct {
        const char *brand;
        const char *type;
    } brands[] = {
        { "qt  ", "video/quicktime" }, { "M4A ", "audio/mp4" },
        { "M4B ", "audio/mp4" }, { "avif", "image/avif" },
        { "avis", "image/avif" }, { "heic", "image/heic" },
        { "heix", "image/heic" }, { "heim", "image/heic" },
        { "heis", "image/heic" }, { "mif1", "image/heic" },
        { "msf1", "image/heic" }, { "3gp", "video/3gpp" },
        { "3g2", "video/3gpp2" }, { NULL, NULL }
    };
    int i;

    for (i = 0; brands[i].brand; i++) {
        if (!memcmp(s->head + 8, brands[i].brand, strlen(brands[i].brand))) {
            return brands[i].type;
        }
    }
    return kind_type[K_FTYP];
}

/* The type of a text file: SVG, XML or plain. */
static const char *text_type(const pt_sniff_t *s)
{
    const unsigned char *h = s->head, *end = s->head + s->head_len;
    apr_size_t n;

    if (end - h >= 3 && !memcmp(h, "\xef\xbb\xbf", 3)) {
        h += 3;
    }
    while (h < end && (*h == ' ' || *h == '\t' || *h == '\r' || *h == '\n')) {
        h++;
    }
    n = (apr_size_t)(end - h);
    if ((n >= 4 && !memcmp(h, "<svg", 4)) || (n >= 5 && !memcmp(h, "<?xml", 5))
        || (n >= 4 && !memcmp(h, "<!--", 4))
        || (n >= 13 && !memcmp(h, "<!DOCTYPE svg", 13))) {
        const unsigned char *p;

        for (p = h; (apr_size_t)(end - p) >= 4; p++) {
            p = memchr(p, '<', (apr_size_t)(end - p) - 3);
            if (!p) {
                break;
            }
            if (!memcmp(p, "<svg", 4)) {
                return "image/svg+xml";
            }
        }
        if (n >= 5 && !memcmp(h, "<?xml", 5)) {
            return "application/xml";
        }
    }
    return "text/plain";
}

const char *pt_sniff_type(pt_sniff_t *s)
{
    kind_t k = magic_kind(s);

    if (k == K_ZIP) {
        k = zip_kind(s);
    }
    if (k == K_FTYP) {
        return ftyp_type(s);
    }
    if (k != K_NONE) {
        return kind_type[k];
    }
    return is_text(s) ? text_type(s) : "application/octet-stream";
}

int pt_sniff_matches(pt_sniff_t *s, const char *ext)
{
    kind_t k = magic_kind(s);
    int i;

    if (!ext) {
        ext = "";
    }
    if (k == K_PE || k == K_ELF || k == K_MACHO) {
        const char *const *ok = k == K_PE ? pe_exts
                                : k == K_ELF ? elf_exts : macho_exts;

        return !*ext || !strcmp(ext, "bin") || in_list(ok, ext);
    }
    for (i = 0; magic_exts[i].ext; i++) {
        if (!strcmp(magic_exts[i].ext, ext)) {
            kind_t want = magic_exts[i].kind;

            if (want == K_DOCX || want == K_XLSX || want == K_PPTX) {
                unsigned int part = want == K_DOCX ? ZIP_WORD
                                    : want == K_XLSX ? ZIP_XL : ZIP_PPT;

                return k == K_ZIP && (s->zip_parts & ZIP_CTYPES)
                       && (s->zip_parts & part);
            }
            return k == want;
        }
    }
    if (in_list(text_exts, ext)) {
        return is_text(s);
    }
    return 1;
}
