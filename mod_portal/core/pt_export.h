/*
 * pt_export.h -- the export formats of the threat-intelligence dashboard:
 * CSV, JSON and STIX 2.1, written as a stream.
 *
 * The caller feeds indicators one at a time (straight from a database
 * cursor) and the output goes to a sink in pieces of at most
 * PT_EXPORT_CHUNK bytes, so an export of a million rows never sits in
 * memory: everything a row needs lives in a sub-pool cleared after the row.
 *
 *   pt_export_begin(p, "stix", now, sink, baton, &ex, &err);
 *   while (cursor has rows) { rv = pt_export_row(ex, &ioc); if (rv) break; }
 *   rv = pt_export_end(ex);          (flushes; the output is complete)
 *
 * CSV (RFC 4180, CRLF line ends, UTF-8 without a BOM): the header
 *   type,value,source,threat,malware,tags,confidence,first_seen,last_seen,reference
 * then one line per row.  Unknown fields are empty; times are
 * YYYY-MM-DDTHH:MM:SSZ.  A cell that starts with '=', '+', '-', '@', TAB
 * or CR gets a leading "'" so that spreadsheets do not run it as a formula;
 * a cell holding ',', '"', CR or LF is quoted with '"' doubled.
 *
 * JSON: {"items":[{...},{...}]} with one item per line; the keys of each
 * item are those of the CSV header in that order, "tags" is an array (the
 * comma-separated tags split, empty ones dropped), "confidence" an integer,
 * the times strings as in CSV, and unknown values null.
 *
 * STIX 2.1: a bundle {"type":"bundle","id":"bundle--<random UUIDv4>",
 * "objects":[...]} whose first object is an identity for the portal (the
 * created_by_ref of every indicator) followed by one indicator per row
 * that has a pattern (pt_stix_pattern); the other rows are skipped and
 * counted (pt_export_skipped).  Each object is on its own line.
 *
 * Indicator ids are deterministic so that a re-export keeps them: a
 * UUIDv5 (RFC 4122, SHA-1) in the namespace PT_STIX_NAMESPACE of the name
 * type NUL value NUL source (the bytes as given; a NULL source counts as
 * ""), see pt_stix_indicator_id().  created = valid_from = first_seen, or
 * `now` when unknown; modified = last_seen when known and later, else
 * created; valid_until is not set.  Times carry milliseconds (".000Z").
 * indicator_types: ["benign"] or ["unknown"] for those threats (GreyNoise's
 * classifications), else ["malicious-activity"]; labels: the tags;
 * confidence when known; external_references: {source_name: the source,
 * url: the reference} when the reference is an http(s) URL; name: the
 * value; description: "Reported by SOURCE as THREAT, malware family X"
 * with the parts known.
 *
 * Strings that are not valid UTF-8 are written with each bad byte replaced
 * by U+FFFD, in every format.  Times outside 1970-01-01T00:00:01Z ..
 * 9999-12-31T23:59:59Z count as unknown, confidences outside 0..100 too.
 */
#ifndef PT_EXPORT_H
#define PT_EXPORT_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "pt_core.h"
#include "pt_ioc.h"

/* The largest piece of output handed to the sink in one call. */
#define PT_EXPORT_CHUNK 16384

/* The UUIDv5 namespace of the portal's STIX ids (a random UUIDv4 chosen
 * once; never change it, or re-exports get new ids). */
#define PT_STIX_NAMESPACE "28b1db50-7c18-4135-9c15-be125dfb600a"

/* The portal's own identity in every bundle (created_by_ref): a UUIDv5 of
 * the name "mod_portal" in PT_STIX_NAMESPACE. */
#define PT_STIX_IDENTITY_NAME "mod_portal"

/* Receives len bytes of output (len > 0).  Anything but APR_SUCCESS stops
 * the export: the status is returned by that and every later call. */
typedef apr_status_t (*pt_export_sink_fn)(void *baton, const char *data,
                                          apr_size_t len);

typedef struct pt_export_t pt_export_t;

/*
 * Start an export in format "csv", "json" or "stix" (exactly these).  now
 * (Unix seconds, UTC) stands for unknown first_seen times in STIX; it must
 * be a valid time for "stix" and is not used otherwise.  Memory comes from
 * p (a fixed amount, plus a sub-pool cleared after each row); the export
 * lives until p is cleared.  The header is buffered, not yet sent.
 * APR_EINVAL with err filled for an unknown format or a bad `now`;
 * APR_ENOMEM when jansson cannot allocate.
 */
apr_status_t pt_export_begin(apr_pool_t *p, const char *format,
                             apr_int64_t now, pt_export_sink_fn sink,
                             void *baton, pt_export_t **ex, pt_err_t *err);

/*
 * Write one indicator (only read during the call).  Returns the sink's
 * error when it failed (now or before), APR_ENOMEM when jansson cannot
 * allocate, APR_EINVAL for a NULL ioc or after pt_export_end().  A STIX
 * row without a pattern is skipped and counted, not an error.
 */
apr_status_t pt_export_row(pt_export_t *ex, const pt_ioc_t *ioc);

/* Write the trailer and hand everything still buffered to the sink.  The
 * output is complete only when this returns APR_SUCCESS. */
apr_status_t pt_export_end(pt_export_t *ex);

/* Rows written (STIX: indicators, not counting the identity). */
apr_int64_t pt_export_rows(pt_export_t *ex);

/* Rows skipped because they have no STIX pattern (0 for CSV and JSON). */
apr_int64_t pt_export_skipped(pt_export_t *ex);

/* "text/csv; charset=utf-8", "application/json",
 * "application/stix+json;version=2.1"; NULL for an unknown format. */
const char *pt_export_content_type(const char *format);

/* File name extension without the dot: "csv", "json", "json"; NULL for an
 * unknown format. */
const char *pt_export_extension(const char *format);

/*
 * The STIX pattern for one indicator, or NULL when its type has none or
 * its value does not fit the type:
 *   url      [url:value = '...']
 *   domain   [domain-name:value = '...']
 *   email    [email-addr:value = '...']
 *   ip       [ipv4-addr:value = '1.2.3.4'] or [ipv6-addr:value = '::1']
 *   cidr     the same with the prefix ('10.0.0.0/8'), which STIX allows
 *   ip:port  [network-traffic:dst_ref.value = '1.2.3.4' AND
 *             network-traffic:dst_port = 443]
 *   md5, sha1, sha256, sha512
 *            [file:hashes.MD5 = '...'], file:hashes.'SHA-1', 'SHA-256',
 *            'SHA-512' (hex of the right length, else NULL)
 * In string literals "\" and "'" are escaped with a backslash, as the STIX
 * patterning grammar requires.  ip:port stays within one observation
 * expression on one object type: STIX 2.1 patterning evaluates the
 * comparisons joined by AND inside [...] against one object, so
 * [ipv4-addr:value = ... AND network-traffic:dst_port = ...] could never
 * match (the OASIS stix2 library rejects such an AND).  Addresses must
 * parse (inet_pton); ports are 0..65535.
 */
const char *pt_stix_pattern(apr_pool_t *p, const pt_ioc_t *ioc);

/* "indicator--<UUIDv5>" for ioc's (type, value, source), as described
 * above; NULL when type or value is NULL or SHA-1 is unavailable. */
const char *pt_stix_indicator_id(apr_pool_t *p, const pt_ioc_t *ioc);

/* An RFC 4122 version 5 UUID (lower case) of name (len bytes) in the
 * namespace ns (a UUID string, either case); NULL when ns is not a UUID
 * or SHA-1 is unavailable. */
const char *pt_uuid5(apr_pool_t *p, const char *ns, const char *name,
                     apr_size_t len);

#endif /* PT_EXPORT_H */
