/*
 * pt_geoip.h -- country, region, city and time zone of an IP address from
 * a local MaxMind DB file (GeoIP2/GeoLite2 City or Country, or anything in
 * that layout), for the dashboard's "signed in from" line.
 *
 * The file is opened once (memory-mapped, libmaxminddb's MMDB_MODE_MMAP)
 * when the configuration is loaded; lookups read the mapping only, so any
 * number of threads may look up at once, and nothing ever leaves the
 * machine.  Replacing the file on disk takes effect at the next restart.
 */
#ifndef PT_GEOIP_H
#define PT_GEOIP_H

#include <apr_pools.h>

#include "pt_core.h"

typedef struct pt_geoip_t pt_geoip_t;

/* What the database says about an address.  Names are the English ones
 * ("names" -> "en"), in UTF-8; a field the record lacks, or whose value is
 * not a short, valid UTF-8 string without control characters, is NULL. */
typedef struct pt_geo_t {
    const char *country_code;   /* "GB" or NULL */
    const char *country;        /* "United Kingdom" (names.en) or NULL */
    const char *region;         /* first subdivision name or NULL */
    const char *city;           /* or NULL */
    const char *time_zone;      /* "Europe/London" or NULL */
} pt_geo_t;

/* Open the MaxMind DB file at path (memory-mapped); *g is closed by a
 * cleanup of p.  APR_ENOENT/APR_EACCES/... (the system's reason) when the
 * file cannot be opened, APR_EGENERAL when it is not a valid MaxMind DB;
 * err then says which file and why. */
apr_status_t pt_geoip_open(apr_pool_t *p, const char *path, pt_geoip_t **g,
                           pt_err_t *err);

/* ip: textual IPv4/IPv6. APR_SUCCESS with *found=0 when not in the DB;
 * APR_EINVAL for a bad address. Strings from p.
 * IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) are looked up as IPv4;
 * scoped addresses (fe80::1%eth0) are bad addresses.  When a record has no
 * "country", its "registered_country" is used for country_code/country.
 * APR_EGENERAL (with err) when the database turns out to be damaged. */
apr_status_t pt_geoip_lookup(pt_geoip_t *g, apr_pool_t *p, const char *ip,
                             pt_geo_t *geo, int *found, pt_err_t *err);

/* metadata database_type, e.g. "GeoLite2-City" (never NULL). */
const char *pt_geoip_db_type(const pt_geoip_t *g);

#endif /* PT_GEOIP_H */
