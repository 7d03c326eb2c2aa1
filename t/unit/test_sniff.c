/*
 * test_sniff.c -- unit tests of pt_sniff.c: every magic number, OOXML
 * documents built here as real (stored) ZIP archives, headers split across
 * every chunk boundary, text against binary, empty files and the
 * extension rules of pt_sniff_matches().
 */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "pt_sniff.h"
#include "pt_test.h"

#define DOCX_TYPE \
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define XLSX_TYPE \
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define PPTX_TYPE \
    "application/vnd.openxmlformats-officedocument.presentationml" \
    ".presentation"

/* ------------------------------------------------------------ helpers */

/* A sniffer fed data[0..len) in one chunk. */
static pt_sniff_t *sniff(apr_pool_t *p, const void *data, apr_size_t len)
{
    pt_sniff_t *s = pt_sniff_create(p);

    pt_sniff_feed(s, data, len);
    return s;
}

/* Every extension in the space-separated list matches (want 1) or none
 * does (want 0); prints the first that does not agree. */
static int exts_match(pt_sniff_t *s, const char *list, int want)
{
    char buf[256];
    char *e, *last = NULL;

    apr_cpystrn(buf, list, sizeof(buf));
    for (e = apr_strtok(buf, " ", &last); e;
         e = apr_strtok(NULL, " ", &last)) {
        const char *ext = strcmp(e, "-") ? e : "";

        if (pt_sniff_matches(s, ext) != want) {
            printf("#   '%s' %s\n", ext, want ? "does not match" : "matches");
            return 0;
        }
    }
    return 1;
}

static unsigned long crc32_of(const unsigned char *d, apr_size_t n)
{
    unsigned long c = 0xffffffffUL;
    apr_size_t i;
    int k;

    for (i = 0; i < n; i++) {
        c ^= d[i];
        for (k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xedb88320UL : c >> 1;
        }
    }
    return c ^ 0xffffffffUL;
}

static void put16(unsigned char *b, apr_size_t *o, unsigned long v)
{
    b[(*o)++] = (unsigned char)(v & 0xff);
    b[(*o)++] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *b, apr_size_t *o, unsigned long v)
{
    put16(b, o, v & 0xffff);
    put16(b, o, (v >> 16) & 0xffff);
}

static void putn(unsigned char *b, apr_size_t *o, const void *s, apr_size_t n)
{
    memcpy(b + *o, s, n);
    *o += n;
}

typedef struct {
    const char *name;
    const char *data;
} zent_t;

#define ZIP_DESCRIPTOR 1   /* sizes and CRC after the data (bit 3) */

/* A ZIP archive of the n entries, stored (method 0), with a central
 * directory and end record, in a buffer from p; *len gets its size. */
static unsigned char *zip_build(apr_pool_t *p, const zent_t *e, int n,
                                int flags, apr_size_t *len)
{
    apr_size_t cap = 200, o = 0, cd_start;
    unsigned long *offs = apr_palloc(p, sizeof(*offs) * (apr_size_t)n);
    unsigned char *b;
    int i, desc = flags & ZIP_DESCRIPTOR;

    for (i = 0; i < n; i++) {
        cap += 2 * strlen(e[i].name) + strlen(e[i].data) + 120;
    }
    b = apr_palloc(p, cap);
    for (i = 0; i < n; i++) {
        apr_size_t nl = strlen(e[i].name), dl = strlen(e[i].data);
        unsigned long crc = crc32_of((const unsigned char *)e[i].data, dl);

        offs[i] = (unsigned long)o;
        putn(b, &o, "PK\3\4", 4);
        put16(b, &o, 20);                   /* version needed */
        put16(b, &o, desc ? 8 : 0);         /* flags */
        put16(b, &o, 0);                    /* stored */
        put16(b, &o, 0);                    /* time */
        put16(b, &o, 0x21);                 /* 1980-01-01 */
        put32(b, &o, desc ? 0 : crc);
        put32(b, &o, desc ? 0 : dl);
        put32(b, &o, desc ? 0 : dl);
        put16(b, &o, nl);
        put16(b, &o, 0);                    /* extra */
        putn(b, &o, e[i].name, nl);
        putn(b, &o, e[i].data, dl);
        if (desc) {
            putn(b, &o, "PK\7\x08", 4);
            put32(b, &o, crc);
            put32(b, &o, dl);
            put32(b, &o, dl);
        }
    }
    cd_start = o;
    for (i = 0; i < n; i++) {
        apr_size_t nl = strlen(e[i].name), dl = strlen(e[i].data);

        putn(b, &o, "PK\1\2", 4);
        put16(b, &o, 20);                   /* made by */
        put16(b, &o, 20);                   /* needed */
        put16(b, &o, desc ? 8 : 0);
        put16(b, &o, 0);
        put16(b, &o, 0);
        put16(b, &o, 0x21);
        put32(b, &o, crc32_of((const unsigned char *)e[i].data, dl));
        put32(b, &o, dl);
        put32(b, &o, dl);
        put16(b, &o, nl);
        put16(b, &o, 0);                    /* extra */
        put16(b, &o, 0);                    /* comment */
        put16(b, &o, 0);                    /* disk */
        put16(b, &o, 0);                    /* internal attributes */
        put32(b, &o, 0);                    /* external attributes */
        put32(b, &o, offs[i]);
        putn(b, &o, e[i].name, nl);
    }
    putn(b, &o, "PK\5\6", 4);
    put16(b, &o, 0);
    put16(b, &o, 0);
    put16(b, &o, (unsigned long)n);
    put16(b, &o, (unsigned long)n);
    put32(b, &o, (unsigned long)(o - cd_start - 12));
    put32(b, &o, (unsigned long)cd_start);
    put16(b, &o, 0);
    *len = o;
    return b;
}

#define XML_DECL \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
#define CT_NS "http://schemas.openxmlformats.org/package/2006/content-types"
#define REL_NS "http://schemas.openxmlformats.org/package/2006/relationships"
#define OFFICE_REL "http://schemas.openxmlformats.org/officeDocument/2006/" \
    "relationships/officeDocument"
#define OOXML_MAIN "application/vnd.openxmlformats-officedocument."

static const char *content_types(apr_pool_t *p, const char *part,
                                 const char *type)
{
    return apr_pstrcat(p, XML_DECL, "<Types xmlns=\"", CT_NS, "\">"
                       "<Default Extension=\"rels\" ContentType=\"application/"
                       "vnd.openxmlformats-package.relationships+xml\"/>"
                       "<Default Extension=\"xml\" ContentType=\"application/"
                       "xml\"/><Override PartName=\"/", part,
                       "\" ContentType=\"", OOXML_MAIN, type, "\"/></Types>",
                       NULL);
}

static const char *root_rels(apr_pool_t *p, const char *part)
{
    return apr_pstrcat(p, XML_DECL, "<Relationships xmlns=\"", REL_NS, "\">"
                       "<Relationship Id=\"rId1\" Type=\"", OFFICE_REL,
                       "\" Target=\"", part, "\"/></Relationships>", NULL);
}

/* A minimal Word document: content types, package relationships and the
 * main part, as a stored ZIP. */
static unsigned char *docx_build(apr_pool_t *p, int flags, apr_size_t *len)
{
    zent_t e[3];

    e[0].name = "[Content_Types].xml";
    e[0].data = content_types(p, "word/document.xml",
                              "wordprocessingml.document.main+xml");
    e[1].name = "_rels/.rels";
    e[1].data = root_rels(p, "word/document.xml");
    e[2].name = "word/document.xml";
    e[2].data = XML_DECL "<w:document xmlns:w=\"http://schemas."
        "openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r>"
        "<w:t>Hello</w:t></w:r></w:p></w:body></w:document>";
    return zip_build(p, e, 3, flags, len);
}

static unsigned char *xlsx_build(apr_pool_t *p, apr_size_t *len)
{
    zent_t e[4];

    e[0].name = "[Content_Types].xml";
    e[0].data = content_types(p, "xl/workbook.xml",
                              "spreadsheetml.sheet.main+xml");
    e[1].name = "_rels/.rels";
    e[1].data = root_rels(p, "xl/workbook.xml");
    e[2].name = "xl/workbook.xml";
    e[2].data = XML_DECL "<workbook xmlns=\"http://schemas.openxmlformats."
        "org/spreadsheetml/2006/main\"><sheets/></workbook>";
    e[3].name = "docProps/app.xml";
    e[3].data = XML_DECL "<Properties/>";
    return zip_build(p, e, 4, 0, len);
}

static unsigned char *pptx_build(apr_pool_t *p, apr_size_t *len)
{
    zent_t e[3];

    e[0].name = "[Content_Types].xml";
    e[0].data = content_types(p, "ppt/presentation.xml",
                              "presentationml.presentation.main+xml");
    e[1].name = "_rels/.rels";
    e[1].data = root_rels(p, "ppt/presentation.xml");
    e[2].name = "ppt/presentation.xml";
    e[2].data = XML_DECL "<p:presentation xmlns:p=\"http://schemas."
        "openxmlformats.org/presentationml/2006/main\"/>";
    return zip_build(p, e, 3, 0, len);
}

/* ------------------------------------------------------------ magic */

typedef struct {
    const char *what;
    const char *bytes;
    apr_size_t len;
    const char *type;
    const char *yes;        /* extensions that match ("-" is none) */
    const char *no;         /* extensions that do not */
} magic_case_t;

#define B(s) s, sizeof(s) - 1

static const magic_case_t magic_cases[] = {
    { "PDF", B("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "application/pdf",
      "pdf foo -", "png txt docx exe zip" },
    { "PNG", B("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02"),
      "image/png", "png", "jpg gif pdf txt" },
    { "JPEG", B("\xff\xd8\xff\xe0\0\x10JFIF\0\1\1\0\0\1\0\1\0\0"),
      "image/jpeg", "jpg jpeg jpe jfif", "png pdf" },
    { "GIF87a", B("GIF87a\1\0\1\0\x80\0\0"), "image/gif", "gif", "png" },
    { "GIF89a", B("GIF89a\1\0\1\0\x80\0\0"), "image/gif", "gif", "jpg" },
    { "WebP", B("RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0"), "image/webp", "webp",
      "wav png" },
    { "WAV", B("RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"), "audio/wav", "wav",
      "webp mp3 avi" },
    { "AVI", B("RIFF\x24\0\0\0AVI LIST"), "video/x-msvideo", "avi", "wav" },
    { "BMP", B("BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\1\0\0\0"),
      "image/bmp", "bmp", "png" },
    { "TIFF little-endian", B("II*\0\x08\0\0\0\0\0"), "image/tiff",
      "tif tiff", "png" },
    { "TIFF big-endian", B("MM\0*\0\0\0\x08\0\0"), "image/tiff", "tiff",
      "jpg" },
    { "empty ZIP", B("PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
      "application/zip", "zip jar odt epub", "docx xlsx pptx gz" },
    { "gzip", B("\x1f\x8b\x08\0\0\0\0\0\0\3\3\0"), "application/gzip",
      "gz tgz", "zip 7z" },
    { "bzip2", B("BZh91AY&SY\0\0"), "application/x-bzip2", "bz2", "gz" },
    { "xz", B("\xfd" "7zXZ\0\0\4\xe6\xd6\xb4\x46"), "application/x-xz",
      "xz", "7z" },
    { "zstd", B("\x28\xb5\x2f\xfd\x24\0\1\0\0"), "application/zstd", "zst",
      "xz" },
    { "7z", B("7z\xbc\xaf\x27\x1c\0\4"), "application/x-7z-compressed",
      "7z", "zip rar" },
    { "RAR 4", B("Rar!\x1a\x07\0\xcf\x90"), "application/vnd.rar", "rar",
      "zip" },
    { "RAR 5", B("Rar!\x1a\x07\1\0\x33\x92"), "application/vnd.rar", "rar",
      "7z" },
    { "MP3 with ID3", B("ID3\4\0\0\0\0\0\x0aTIT2\0\0\0\1\0\0\0"),
      "audio/mpeg", "mp3", "wav mp4 txt" },
    { "MP3 frame", B("\xff\xfb\x90\x64\0\0\0\0"), "audio/mpeg", "mp3",
      "jpg" },
    { "MP4", B("\0\0\0\x18" "ftypisom\0\0\2\0isomiso2"), "video/mp4",
      "mp4 m4v mov m4a", "mp3 avi" },
    { "QuickTime", B("\0\0\0\x14" "ftypqt  \0\0\0\0qt  "), "video/quicktime",
      "mov mp4", "avi" },
    { "M4A", B("\0\0\0\x1c" "ftypM4A \0\0\0\0M4A mp42isom"), "audio/mp4",
      "m4a", "mp3" },
    { "HEIC", B("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic"), "image/heic",
      "heic", "jpg" },
    { "Ogg", B("OggS\0\2\0\0\0\0\0\0\0\0"), "audio/ogg", "ogg oga opus ogv",
      "mp3" },
    { "FLAC", B("fLaC\0\0\0\x22\x10\0"), "audio/flac", "flac", "wav" },
    { "OLE2", B("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0"),
      "application/x-ole-storage", "doc xls ppt msi", "docx exe" },
    { "ELF", B("\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\x3e\0"),
      "application/x-executable", "- so o elf bin",
      "exe txt foo docx pdf zip dylib" },
    { "Mach-O 64", B("\xcf\xfa\xed\xfe\x07\0\0\1\3\0\0\0"),
      "application/x-mach-binary", "- dylib bundle bin", "exe so txt foo" },
    { "fat Mach-O", B("\xca\xfe\xba\xbe\0\0\0\2\1\0\0\7"),
      "application/x-mach-binary", "- dylib", "class" },
    { "Java class", B("\xca\xfe\xba\xbe\0\0\0\x34\0\x10"),
      "application/java-vm", "class foo", "exe txt" },
    { NULL, NULL, 0, NULL, NULL, NULL }
};

/* A 128-byte PE file start: DOS header (e_lfanew = 0x40), "PE\0\0". */
static apr_size_t pe_build(unsigned char *b)
{
    memset(b, 0, 128);
    memcpy(b, "MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff", 14);
    b[0x3c] = 0x40;
    memcpy(b + 0x40, "PE\0\0\x64\x86", 6);
    return 128;
}

static void test_magic(apr_pool_t *p)
{
    const magic_case_t *c;
    unsigned char pe[128];
    pt_sniff_t *s;

    for (c = magic_cases; c->what; c++) {
        s = sniff(p, c->bytes, c->len);
        PT_IS_STR(pt_sniff_type(s), c->type, "%s: type", c->what);
        PT_OK(exts_match(s, c->yes, 1), "%s matches %s", c->what, c->yes);
        PT_OK(exts_match(s, c->no, 0), "%s does not match %s", c->what,
              c->no);
    }

    s = sniff(p, pe, pe_build(pe));
    PT_IS_STR(pt_sniff_type(s), "application/x-msdownload", "PE: type");
    PT_OK(exts_match(s, "exe dll sys scr com - bin", 1),
          "PE matches exe dll sys scr com (none) bin");
    PT_OK(exts_match(s, "docx pdf txt zip foo so jpg msi", 0),
          "PE renamed .docx/.pdf/.txt/.zip/.foo does not match");

    s = sniff(p, B("MZ is my monogram, not a program; this line is longer "
                   "than a DOS header, which has 64 bytes.\n"));
    PT_IS_STR(pt_sniff_type(s), "text/plain", "text starting with MZ");
    PT_OK(exts_match(s, "txt foo", 1), "... matches txt and foo");
    PT_OK(!pt_sniff_matches(s, "exe"), "... does not match exe");

    s = sniff(p, B("BMW is a car brand, BM alone is not a bitmap.\n"));
    PT_IS_STR(pt_sniff_type(s), "text/plain", "text starting with BM");

    s = sniff(p, B("\xff\xf1\x50\x80\x02\x1f\xfc"));
    PT_IS_STR(pt_sniff_type(s), "application/octet-stream",
              "AAC ADTS (layer 00) is not MP3");
    PT_OK(!pt_sniff_matches(s, "mp3"), "... and does not match mp3");

    s = sniff(p, B("\0\0\0\0ftypisom"));
    PT_IS_STR(pt_sniff_type(s), "application/octet-stream",
              "ftyp box of size 0 is not MP4");

    s = sniff(p, B("GIF89a = alert(1);\n"));
    PT_IS_STR(pt_sniff_type(s), "image/gif", "GIF/JS polyglot: magic wins");
    PT_OK(exts_match(s, "gif txt", 1), "... matches gif and txt");

    s = sniff(p, B("%PDF"));
    PT_IS_STR(pt_sniff_type(s), "text/plain", "a truncated magic is text");
    PT_OK(!pt_sniff_matches(s, "pdf"), "... and not a pdf");
}

/* ------------------------------------------------------------ OOXML */

/* A sniffer fed b[0..n) in chunks cut at the given offsets. */
static const char *type_split(apr_pool_t *p, const unsigned char *b,
                              apr_size_t n, apr_size_t i, apr_size_t j)
{
    pt_sniff_t *s = pt_sniff_create(p);

    pt_sniff_feed(s, (const char *)b, i);
    pt_sniff_feed(s, (const char *)b + i, j - i);
    pt_sniff_feed(s, (const char *)b + j, n - j);
    return pt_sniff_type(s);
}

static void test_ooxml(apr_pool_t *p)
{
    unsigned char *b;
    apr_size_t n;
    pt_sniff_t *s;
    zent_t e[3];

    b = docx_build(p, 0, &n);
    s = sniff(p, b, n);
    PT_IS_STR(pt_sniff_type(s), DOCX_TYPE, "minimal docx");
    PT_OK(exts_match(s, "docx zip foo -", 1), "docx matches docx zip foo -");
    PT_OK(exts_match(s, "xlsx pptx pdf txt exe", 0),
          "docx does not match xlsx pptx pdf txt exe");

    b = docx_build(p, ZIP_DESCRIPTOR, &n);
    PT_IS_STR(pt_sniff_type(sniff(p, b, n)), DOCX_TYPE,
              "docx with data descriptors");

    b = xlsx_build(p, &n);
    s = sniff(p, b, n);
    PT_IS_STR(pt_sniff_type(s), XLSX_TYPE, "minimal xlsx");
    PT_OK(exts_match(s, "xlsx zip", 1), "xlsx matches xlsx and zip");
    PT_OK(exts_match(s, "docx pptx", 0), "xlsx does not match docx pptx");

    b = pptx_build(p, &n);
    s = sniff(p, b, n);
    PT_IS_STR(pt_sniff_type(s), PPTX_TYPE, "minimal pptx");
    PT_OK(exts_match(s, "pptx zip", 1), "pptx matches pptx and zip");
    PT_OK(exts_match(s, "docx xlsx", 0), "pptx does not match docx xlsx");

    e[0].name = "hello.txt";
    e[0].data = "hello\n";
    e[1].name = "word/notes.xml";
    e[1].data = "<notes/>";
    b = zip_build(p, e, 2, 0, &n);
    s = sniff(p, b, n);
    PT_IS_STR(pt_sniff_type(s), "application/zip", "plain zip");
    PT_OK(exts_match(s, "zip jar foo", 1), "plain zip matches zip jar foo");
    PT_OK(exts_match(s, "docx xlsx pptx txt", 0),
          "plain zip renamed .docx does not match");

    e[0].name = "word/document.xml";
    e[0].data = "<w:document/>";
    b = zip_build(p, e, 1, 0, &n);
    s = sniff(p, b, n);
    PT_IS_STR(pt_sniff_type(s), "application/zip",
              "main part without [Content_Types].xml is a zip");
    PT_OK(!pt_sniff_matches(s, "docx"), "... and not a docx");

    e[0].name = "[CONTENT_TYPES].XML";
    e[0].data = "<Types/>";
    e[1].name = "WORD/Document.XML";
    e[1].data = "<w:document/>";
    b = zip_build(p, e, 2, 0, &n);
    PT_IS_STR(pt_sniff_type(sniff(p, b, n)), DOCX_TYPE,
              "part names are compared without case");

    /* The local header of the main part broken: the central directory
     * still names it. */
    b = docx_build(p, 0, &n);
    {
        unsigned char *hit = NULL;
        apr_size_t i;

        for (i = 0; i + 4 < n; i++) {
            if (!memcmp(b + i, "PK\3\4", 4)
                && !memcmp(b + i + 30, "word/document.xml", 17)) {
                hit = b + i;
            }
        }
        PT_OK(hit != NULL, "found the main part's local header");
        if (hit) {
            hit[2] = 'X';
        }
        PT_IS_STR(pt_sniff_type(sniff(p, b, n)), DOCX_TYPE,
                  "found through the central directory");
    }

    /* The archive cut before its central directory: local headers do. */
    b = docx_build(p, ZIP_DESCRIPTOR, &n);
    {
        unsigned char *cd = NULL;
        apr_size_t i;

        for (i = 0; i + 4 < n && !cd; i++) {
            if (!memcmp(b + i, "PK\1\2", 4)) {
                cd = b + i;
            }
        }
        PT_OK(cd != NULL, "found the central directory");
        PT_IS_STR(pt_sniff_type(sniff(p, b, cd ? (apr_size_t)(cd - b) : n)),
                  DOCX_TYPE, "found through local headers only");
    }

    /* An executable with the names in it is still an executable. */
    {
        unsigned char pe[128];
        apr_size_t pn = pe_build(pe);
        pt_sniff_t *t = pt_sniff_create(p);

        b = docx_build(p, 0, &n);
        pt_sniff_feed(t, (const char *)pe, pn);
        pt_sniff_feed(t, (const char *)b, n);
        PT_IS_STR(pt_sniff_type(t), "application/x-msdownload",
                  "PE with a docx appended (self-extractor) is a PE");
        PT_OK(!pt_sniff_matches(t, "docx") && !pt_sniff_matches(t, "zip"),
              "... and matches neither docx nor zip");
    }
}

static void test_splits(apr_pool_t *p)
{
    unsigned char *b;
    apr_size_t n, i, j;
    apr_pool_t *sub;
    int ok = 1, desc;

    apr_pool_create(&sub, p);
    for (desc = 0; desc <= ZIP_DESCRIPTOR; desc++) {
        b = docx_build(p, desc, &n);

        ok = 1;
        for (i = 0; i <= n && ok; i++) {
            if (strcmp(type_split(sub, b, n, i, i), DOCX_TYPE) != 0) {
                printf("#   split at %lu failed\n", (unsigned long)i);
                ok = 0;
            }
            apr_pool_clear(sub);
        }
        PT_OK(ok, "docx%s split in two at each of %lu offsets",
              desc ? " (descriptors)" : "", (unsigned long)n + 1);

        ok = 1;
        for (i = 0; i <= n && ok; i += 3) {
            for (j = i; j <= n && ok; j += 7) {
                if (strcmp(type_split(sub, b, n, i, j), DOCX_TYPE) != 0) {
                    printf("#   split at %lu, %lu failed\n",
                           (unsigned long)i, (unsigned long)j);
                    ok = 0;
                }
                apr_pool_clear(sub);
            }
        }
        PT_OK(ok, "docx%s split in three at many offset pairs",
              desc ? " (descriptors)" : "");

        {
            pt_sniff_t *s = pt_sniff_create(sub);

            for (i = 0; i < n; i++) {
                pt_sniff_feed(s, (const char *)b + i, 1);
                pt_sniff_feed(s, (const char *)b + i, 0);
            }
            PT_IS_STR(pt_sniff_type(s), DOCX_TYPE,
                      "docx%s fed one byte at a time",
                      desc ? " (descriptors)" : "");
            PT_OK(pt_sniff_matches(s, "docx"), "... and matches docx");
            apr_pool_clear(sub);
        }
    }
    apr_pool_destroy(sub);
}

/* A docx whose parts come after 8 MiB of incompressible data, fed in
 * chunks of odd sizes. */
static void test_large(apr_pool_t *p)
{
    const apr_size_t junk = 8 * 1024 * 1024;
    unsigned char *big, *doc;
    apr_size_t dn, n, i, o = 0;
    unsigned long x = 12345;
    pt_sniff_t *s;
    zent_t e[1];

    doc = docx_build(p, ZIP_DESCRIPTOR, &dn);
    e[0].name = "media/blob.bin";
    e[0].data = "";
    {
        apr_size_t hn;
        unsigned char *h = zip_build(p, e, 1, ZIP_DESCRIPTOR, &hn);

        n = 30 + 14 + junk + dn;
        big = malloc(n);
        if (!big) {
            PT_OK(0, "malloc");
            return;
        }
        memcpy(big, h, 30 + 14);       /* the local header of blob.bin */
        o = 30 + 14;
    }
    for (i = 0; i < junk; i++) {
        x = x * 1103515245UL + 12345UL;
        big[o++] = (unsigned char)(x >> 16);
    }
    memcpy(big + o, doc, dn);

    s = pt_sniff_create(p);
    for (i = 0; i < n;) {
        apr_size_t c = (i / 7) % 2 ? 65521 : 8191;

        if (c > n - i) {
            c = n - i;
        }
        pt_sniff_feed(s, (const char *)big + i, c);
        i += c;
    }
    PT_IS_STR(pt_sniff_type(s), DOCX_TYPE,
              "docx parts after 8 MiB of data, odd chunk sizes");

    s = pt_sniff_create(p);
    pt_sniff_feed(s, (const char *)big, n - dn);
    PT_IS_STR(pt_sniff_type(s), "application/zip",
              "the same without the parts is a zip");
    free(big);
}

/* ------------------------------------------------------------ text */

static void test_text(apr_pool_t *p)
{
    static const struct {
        const char *what;
        const char *bytes;
        apr_size_t len;
        int text;
    } cases[] = {
        { "ASCII", B("hello, world\n"), 1 },
        { "CSV with CRLF and tabs", B("a,b\tc\r\n1,2\t3\r\n"), 1 },
        { "UTF-8 with BOM", B("\xef\xbb\xbf" "caf\xc3\xa9\n"), 1 },
        { "4-byte UTF-8 (emoji)", B("ok \xf0\x9f\x98\x80\n"), 1 },
        { "U+10FFFF", B("\xf4\x8f\xbf\xbf"), 1 },
        { "ESC, VT and FF", B("\x1b[1mbold\x1b[0m\x0b\x0c"), 1 },
        { "NUL", B("hello\0world"), 0 },
        { "SOH control", B("a\x01" "b"), 0 },
        { "0x1F control", B("a\x1f" "b"), 0 },
        { "lone continuation byte", B("a\x80" "b"), 0 },
        { "invalid lead byte 0xFF", B("a\xff"), 0 },
        { "overlong 0xC0 0xAF", B("\xc0\xaf"), 0 },
        { "overlong 3-byte", B("\xe0\x80\xaf"), 0 },
        { "surrogate U+D800", B("\xed\xa0\x80"), 0 },
        { "above U+10FFFF", B("\xf4\x90\x80\x80"), 0 },
        { "0xF5 lead", B("\xf5\x80\x80\x80"), 0 },
        { "truncated at the end", B("caf\xc3"), 0 },
        { "missing continuation", B("\xe2\x82" "abcdefghijk"), 0 },
        { "Latin-1 (not UTF-8)", B("caf\xe9 cr\xe8me\n"), 0 },
        { NULL, NULL, 0, 0 }
    };
    char long_text[5000];
    pt_sniff_t *s;
    int i;

    for (i = 0; cases[i].what; i++) {
        s = sniff(p, cases[i].bytes, cases[i].len);
        PT_IS_STR(pt_sniff_type(s), cases[i].text ? "text/plain"
                                                  : "application/octet-stream",
                  "%s", cases[i].what);
        PT_OK(pt_sniff_matches(s, "txt") == cases[i].text
              && pt_sniff_matches(s, "csv") == cases[i].text
              && pt_sniff_matches(s, "json") == cases[i].text,
              "%s: txt/csv/json match = %d", cases[i].what, cases[i].text);
        PT_OK(pt_sniff_matches(s, "foo") && pt_sniff_matches(s, ""),
              "%s: unknown extensions match", cases[i].what);
    }

    /* A character split across chunks is fine. */
    s = pt_sniff_create(p);
    pt_sniff_feed(s, "caf\xf0\x9f", 5);
    pt_sniff_feed(s, "\x98", 1);
    pt_sniff_feed(s, "\x80!", 2);
    PT_IS_STR(pt_sniff_type(s), "text/plain",
              "a 4-byte character split over three chunks");
    s = pt_sniff_create(p);
    pt_sniff_feed(s, "ab\xe2\x82", 4);
    PT_IS_STR(pt_sniff_type(s), "application/octet-stream",
              "... but not an unfinished one");

    /* The word-at-a-time path must see a bad byte anywhere. */
    memset(long_text, 'x', sizeof(long_text));
    for (i = 0; i < 64; i++) {
        int pos = 4000 + i;
        char keep = long_text[pos];

        long_text[pos] = '\0';
        s = sniff(p, long_text, sizeof(long_text));
        if (strcmp(pt_sniff_type(s), "application/octet-stream") != 0) {
            break;
        }
        long_text[pos] = '\x80';
        s = sniff(p, long_text, sizeof(long_text));
        if (strcmp(pt_sniff_type(s), "application/octet-stream") != 0) {
            break;
        }
        long_text[pos] = keep;
    }
    PT_OK(i == 64, "NUL or 0x80 at each of 64 offsets in 5000 bytes");
    s = sniff(p, long_text, sizeof(long_text));
    PT_IS_STR(pt_sniff_type(s), "text/plain", "... and without it: text");

    s = sniff(p, B("<?xml version=\"1.0\"?>\n<!-- x -->\n<svg xmlns=\"http:"
                   "//www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>\n"));
    PT_IS_STR(pt_sniff_type(s), "image/svg+xml", "SVG with XML declaration");
    PT_OK(exts_match(s, "svg xml txt", 1), "... matches svg xml txt");
    PT_OK(exts_match(s, "png pdf", 0), "... and not png pdf");
    s = sniff(p, B("\xef\xbb\xbf  <svg viewBox=\"0 0 1 1\"></svg>"));
    PT_IS_STR(pt_sniff_type(s), "image/svg+xml", "bare SVG after BOM");
    s = sniff(p, B("<?xml version=\"1.0\"?><root><a/></root>"));
    PT_IS_STR(pt_sniff_type(s), "application/xml", "XML");
    s = sniff(p, B("<!-- note --><p>mention of <svg in text</p>"));
    PT_IS_STR(pt_sniff_type(s), "image/svg+xml",
              "comment then <svg: SVG (a plausibility guess)");
    s = sniff(p, B("Hello <svg> is a tag\n"));
    PT_IS_STR(pt_sniff_type(s), "text/plain",
              "<svg not at the start: plain text");
    s = sniff(p, B("<svg\0>"));
    PT_IS_STR(pt_sniff_type(s), "application/octet-stream",
              "SVG with a NUL is binary");
    PT_OK(!pt_sniff_matches(s, "svg"), "... and does not match svg");
}

static void test_empty(apr_pool_t *p)
{
    pt_sniff_t *s = pt_sniff_create(p);

    PT_IS_STR(pt_sniff_type(s), "text/plain", "empty: text/plain");
    PT_OK(exts_match(s, "txt csv md log json xml html svg - foo docm", 1),
          "empty matches text and unknown extensions");
    PT_OK(exts_match(s, "pdf png jpg gif zip docx xlsx pptx exe dll mp3 mp4 "
                        "7z rar gz wav ogg class", 0),
          "empty does not match formats with a magic number");
    pt_sniff_feed(s, "", 0);
    PT_IS_STR(pt_sniff_type(s), "text/plain",
              "feeding 0 bytes changes nothing");
    PT_OK(pt_sniff_matches(s, NULL), "NULL extension is no extension");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_magic(p);
    test_ooxml(p);
    test_splits(p);
    test_large(p);
    test_text(p);
    test_empty(p);

    apr_pool_destroy(p);
    apr_terminate();
    return pt_test_done();
}
