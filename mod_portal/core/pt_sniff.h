/*
 * pt_sniff.h -- what an uploaded file really is, and whether that fits its
 * extension.
 *
 * The upload handler feeds every chunk of the body to a sniffer as it
 * streams it to storage; at the end it asks for the media type (stored and
 * shown) and whether the content is plausible for the name's extension (an
 * executable renamed "report.pdf" or "notes.docx" is refused).  This is a
 * plausibility check against mistakes and crude disguises, not a parser:
 * a crafted polyglot can pass it, so downloads are still served with
 * "X-Content-Type-Options: nosniff" and, for active types, as attachments.
 *
 * Memory is constant (under 2 KiB) whatever the file's size: the first
 * PT_SNIFF_HEAD bytes are kept for magic numbers, a streaming UTF-8 check
 * decides "text", and ZIP archives are scanned for their entry names.
 */
#ifndef PT_SNIFF_H
#define PT_SNIFF_H

#include <apr_pools.h>

/* Bytes kept from the start of the file for magic numbers and SVG/XML. */
#define PT_SNIFF_HEAD 1024

typedef struct pt_sniff_t pt_sniff_t;

/* A new sniffer in p (no other resources; nothing to release). */
pt_sniff_t *pt_sniff_create(apr_pool_t *p);

/*
 * Feed the file's bytes in order, in chunks of any size (len may be 0).
 * Constant memory; linear time with small constants: text is checked a
 * word at a time, and ZIP archives (files starting with "PK") are scanned
 * for local (PK\3\4) and central directory (PK\1\2) headers with memchr,
 * wherever they are (entries written with data descriptors have no sizes
 * up front) and across chunk boundaries.
 */
void pt_sniff_feed(pt_sniff_t *s, const char *data, apr_size_t len);

/*
 * The media type of the bytes fed so far, taken as the whole file.  The
 * magic number at the start decides: application/pdf, image/png,
 * image/jpeg, image/gif, image/webp, image/bmp, image/tiff,
 * application/zip, application/gzip, application/x-bzip2, application/x-xz,
 * application/zstd, application/x-7z-compressed, application/vnd.rar,
 * audio/mpeg (ID3 tag or a valid MPEG audio frame header), video/mp4,
 * video/quicktime (brand "qt  "), audio/mp4 (brand "M4A "), image/heic,
 * image/avif (an "ftyp" box), audio/wav, video/x-msvideo, audio/ogg,
 * audio/flac, application/x-ole-storage (doc, xls, ppt, msi),
 * application/x-msdownload (MZ with a DOS header), application/x-executable
 * (ELF), application/x-mach-binary, application/java-vm.  A ZIP archive
 * with "[Content_Types].xml" and a main part (any case) is the matching
 * OOXML type: word/document.xml ->
 * application/vnd.openxmlformats-officedocument.wordprocessingml.document,
 * xl/workbook.xml -> ...spreadsheetml.sheet, ppt/presentation.xml ->
 * ...presentationml.presentation.  Without a magic number: valid UTF-8
 * (a BOM allowed) without NUL or C0 controls other than TAB, LF, VT, FF,
 * CR and ESC is text -- image/svg+xml when it starts (after a BOM and
 * white space) with "<svg", "<?xml", "<!--" or "<!DOCTYPE svg" and has
 * "<svg" within the first PT_SNIFF_HEAD bytes, application/xml when it
 * starts with "<?xml", otherwise text/plain (an empty file too);
 * anything else is application/octet-stream.  Never NULL; static storage.
 */
const char *pt_sniff_type(pt_sniff_t *s);

/*
 * 1 when the bytes fed so far are plausible for ext (lower case, no dot,
 * "" for a name without one; NULL is ""), 0 when not.  The rules, in order:
 *  1. An executable (PE, ELF, Mach-O) matches only extensions executables
 *     have: PE exe dll sys scr cpl ocx efi com, ELF so o ko elf out,
 *     Mach-O dylib bundle o, and for all three "bin" and "".
 *  2. Extensions of formats with a magic number need it:
 *     pdf; png; jpg jpeg jpe jfif; gif; webp; bmp; tif tiff; zip (also an
 *     OOXML file); docx, xlsx, pptx (a ZIP with [Content_Types].xml and
 *     the Word, Excel or PowerPoint main part: a plain ZIP renamed .docx
 *     does not match); jar apk odt ods odp epub (a ZIP); gz tgz; bz2; xz;
 *     zst; 7z; rar; mp3; mp4 m4v m4a mov 3gp heic avif (ftyp); wav; avi;
 *     ogg oga ogv opus; flac; doc xls ppt msi (OLE2); exe dll sys scr cpl
 *     ocx efi (PE); class (Java).
 *  3. Text extensions need text (see pt_sniff_type; an empty file is
 *     text): txt text csv tsv md markdown log json xml html htm svg css
 *     ini yaml yml ics vcf rst tex.  The content of a text file may start
 *     like a binary format ("GIF89a..."), it is still text.
 *  4. Any other extension matches anything but an executable (rule 1).
 * So an empty file matches only text extensions and unknown ones.
 */
int pt_sniff_matches(pt_sniff_t *s, const char *ext);

#endif /* PT_SNIFF_H */
