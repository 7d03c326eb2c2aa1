/*
 * pt_geoip.c -- IP address to country/region/city/time zone through
 * libmaxminddb, reading a memory-mapped MaxMind DB file.
 *
 * Addresses are parsed here with inet_pton (strict: no "127.1", no host
 * names, no scope ids) and handed to MMDB_lookup_sockaddr, so a lookup never
 * involves the resolver.  Values are copied out of the mapping into the
 * caller's pool after checking that they are short, valid UTF-8 without
 * control characters: the database is data from outside and ends up in
 * HTML and logs.  See pt_geoip.h for the contracts.
 */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <apr_file_info.h>
#include <apr_strings.h>

#include <maxminddb.h>

#include "pt_geoip.h"

#define GEO_IP_MAX      64      /* longer text is no address */
#define GEO_STRING_MAX  256     /* longest name we hand on */

struct pt_geoip_t {
    MMDB_s mmdb;
    const char *path;
    const char *db_type;
};

static apr_status_t geoip_cleanup(void *data)
{
    pt_geoip_t *g = data;

    MMDB_close(&g->mmdb);
    return APR_SUCCESS;
}

apr_status_t pt_geoip_open(apr_pool_t *p, const char *path, pt_geoip_t **g,
                           pt_err_t *err)
{
    pt_geoip_t *geo;
    apr_finfo_t fi;
    apr_status_t rv;
    int status, saved_errno;
    char buf[128];

    if (!path || !*path) {
        return pt_err_set(err, p, NULL, 0, "no GeoIP database file given");
    }
    /* say plainly what libmaxminddb would report as a failed mmap() */
    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, p);
    if (rv) {
        pt_err_set(err, p, path, 0, "cannot open the GeoIP database: %s",
                   apr_strerror(rv, buf, sizeof(buf)));
        return rv;
    }
    if (fi.filetype != APR_REG) {
        return pt_err_set(err, p, path, 0,
                          "the GeoIP database is not a regular file");
    }
    if (fi.size == 0) {
        return pt_err_set(err, p, path, 0, "the GeoIP database file is empty");
    }
    geo = apr_pcalloc(p, sizeof(*geo));
    geo->path = apr_pstrdup(p, path);
    errno = 0;
    status = MMDB_open(path, MMDB_MODE_MMAP, &geo->mmdb);
    saved_errno = errno;
    if (status != MMDB_SUCCESS) {
        if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR)
            && saved_errno != 0) {
            pt_err_set(err, p, path, 0, "cannot open the GeoIP database: %s",
                       apr_strerror(APR_FROM_OS_ERROR(saved_errno), buf,
                                    sizeof(buf)));
            return APR_FROM_OS_ERROR(saved_errno);
        }
        return pt_err_set(err, p, path, 0,
                          "not a usable MaxMind DB file: %s",
                          MMDB_strerror(status));
    }
    apr_pool_cleanup_register(p, geo, geoip_cleanup, apr_pool_cleanup_null);
    geo->db_type = apr_pstrdup(p, geo->mmdb.metadata.database_type
                                  ? geo->mmdb.metadata.database_type : "");
    *g = geo;
    return APR_SUCCESS;
}

const char *pt_geoip_db_type(const pt_geoip_t *g)
{
    return g && g->db_type ? g->db_type : "";
}

/* 1 when s[0..n) is valid UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF) without C0/C1 control characters or DEL. */
static int clean_utf8(const unsigned char *s, apr_size_t n)
{
    apr_size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        apr_uint32_t cp;
        apr_size_t len, k;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                return 0;
            }
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        }
        else {
            return 0;
        }
        if (n - i < len) {
            return 0;
        }
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
            || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)
            || (cp >= 0x80 && cp <= 0x9f)) {
            return 0;
        }
        i += len;
    }
    return 1;
}

/* The string at path in entry, copied into p; *out stays NULL when the
 * record has no such string or it is not clean.  APR_EGENERAL only when
 * libmaxminddb finds the data section damaged. */
static apr_status_t get_string(pt_geoip_t *g, apr_pool_t *p,
                               MMDB_entry_s *entry,
                               const char *const *path, const char **out,
                               pt_err_t *err)
{
    MMDB_entry_data_s data;
    int status;

    *out = NULL;
    memset(&data, 0, sizeof(data));
    status = MMDB_aget_value(entry, &data, path);
    if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR
        || status == MMDB_INVALID_LOOKUP_PATH_ERROR) {
        return APR_SUCCESS;     /* e.g. "subdivisions" is not an array */
    }
    if (status != MMDB_SUCCESS) {
        return pt_err_set(err, p, g->path, 0,
                          "GeoIP database is damaged: %s",
                          MMDB_strerror(status));
    }
    if (!data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING
        || data.data_size == 0 || data.data_size > GEO_STRING_MAX
        || !clean_utf8((const unsigned char *)data.utf8_string,
                       data.data_size)) {
        return APR_SUCCESS;
    }
    *out = apr_pstrmemdup(p, data.utf8_string, data.data_size);
    return APR_SUCCESS;
}

/* The address as a socket address; IPv4-mapped IPv6 becomes IPv4.
 * 0 when text is no numeric IPv4/IPv6 address. */
static int parse_ip(const char *text, struct sockaddr_in *in4,
                    struct sockaddr_in6 *in6, const struct sockaddr **sa)
{
    if (strlen(text) > GEO_IP_MAX) {
        return 0;
    }
    memset(in4, 0, sizeof(*in4));
    memset(in6, 0, sizeof(*in6));
    in4->sin_family = AF_INET;
    in6->sin6_family = AF_INET6;
    if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
        *sa = (const struct sockaddr *)in4;
        return 1;
    }
    if (inet_pton(AF_INET6, text, &in6->sin6_addr) != 1) {
        return 0;
    }
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
        memcpy(&in4->sin_addr, &in6->sin6_addr.s6_addr[12], 4);
        *sa = (const struct sockaddr *)in4;
    }
    else {
        *sa = (const struct sockaddr *)in6;
    }
    return 1;
}

/* text when it is safe to repeat in a message, else a placeholder. */
static const char *printable(const char *text)
{
    apr_size_t i;

    for (i = 0; text[i]; i++) {
        if (i >= GEO_IP_MAX) {
            return "(too long)";
        }
        if (text[i] < 0x21 || text[i] > 0x7e) {
            return "(unprintable)";
        }
    }
    return i ? text : "(empty)";
}

apr_status_t pt_geoip_lookup(pt_geoip_t *g, apr_pool_t *p, const char *ip,
                             pt_geo_t *geo, int *found, pt_err_t *err)
{
    static const char *const country_code[] = { "country", "iso_code", NULL };
    static const char *const country[] = { "country", "names", "en", NULL };
    static const char *const reg_code[] = {
        "registered_country", "iso_code", NULL
    };
    static const char *const reg_country[] = {
        "registered_country", "names", "en", NULL
    };
    static const char *const region[] = {
        "subdivisions", "0", "names", "en", NULL
    };
    static const char *const city[] = { "city", "names", "en", NULL };
    static const char *const time_zone[] = {
        "location", "time_zone", NULL
    };
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    const struct sockaddr *sa = NULL;
    MMDB_lookup_result_s res;
    int mmdb_error = MMDB_SUCCESS;
    apr_status_t rv;

    memset(geo, 0, sizeof(*geo));
    *found = 0;
    if (!ip || !parse_ip(ip, &in4, &in6, &sa)) {
        pt_err_set(err, p, NULL, 0, "not an IPv4 or IPv6 address: %s",
                   ip ? printable(ip) : "(none)");
        return APR_EINVAL;
    }
    res = MMDB_lookup_sockaddr(&g->mmdb, sa, &mmdb_error);
    if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
        return APR_SUCCESS;     /* an IPv4-only database knows no IPv6 */
    }
    if (mmdb_error != MMDB_SUCCESS) {
        return pt_err_set(err, p, g->path, 0, "GeoIP lookup failed: %s",
                          MMDB_strerror(mmdb_error));
    }
    if (!res.found_entry) {
        return APR_SUCCESS;
    }

    rv = get_string(g, p, &res.entry, country_code, &geo->country_code, err);
    if (!rv) {
        rv = get_string(g, p, &res.entry, country, &geo->country, err);
    }
    if (!rv && !geo->country_code && !geo->country) {
        rv = get_string(g, p, &res.entry, reg_code, &geo->country_code, err);
        if (!rv) {
            rv = get_string(g, p, &res.entry, reg_country, &geo->country,
                            err);
        }
    }
    if (!rv) {
        rv = get_string(g, p, &res.entry, region, &geo->region, err);
    }
    if (!rv) {
        rv = get_string(g, p, &res.entry, city, &geo->city, err);
    }
    if (!rv) {
        rv = get_string(g, p, &res.entry, time_zone, &geo->time_zone, err);
    }
    if (rv) {
        memset(geo, 0, sizeof(*geo));
        return rv;
    }
    *found = 1;
    return APR_SUCCESS;
}
