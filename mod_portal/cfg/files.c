/*
 * files.c -- the configuration of files: upload limits and
 * types, the store (local folder or S3), the file master keys, the
 * time-stamping authority and signed links.
 *
 * The directive setters are listed in cmds.c's table; defaults are
 * applied by the portal_files_*() getters (documented in
 * docs/directives.md).  portal_files_load() opens the store, loads
 * or creates the master key and the TSA key pair as root, before the
 * children start; children only use them from memory.
 */
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_info.h"

#include "portal.h"
#include "cfg_int.h"
#include "pt_keys.h"
#include "pt_sql.h"
#include "pt_store.h"
#include "pt_tsa.h"
#include "pt_filecrypt.h"

APLOG_USE_MODULE(portal);

void portal_files_conf_init(portal_files_conf_t *f)
{
    f->max_file = PORTAL_UNSET;
    f->max_request = PORTAL_UNSET;
    f->max_files = PORTAL_UNSET;
    f->check_content = PORTAL_UNSET;
    f->storage = PORTAL_UNSET;
    f->attach_max = PORTAL_UNSET;
    f->link_lifetime = PORTAL_UNSET;
    f->link_max_lifetime = PORTAL_UNSET;
}

void portal_files_conf_merge(portal_files_conf_t *c,
                             const portal_files_conf_t *base,
                             const portal_files_conf_t *add)
{
    const portal_files_conf_t *st = CFG_PICK(storage);

    CFG_MERGE_INT(max_file);
    CFG_MERGE_INT(max_request);
    CFG_MERGE_INT(max_files);
    CFG_MERGE_INT(check_content);
    CFG_MERGE_PTR(types);
    /* the store and its options together */
    c->storage = st->storage;
    c->s3 = st->s3;
    c->s3_credentials = st->s3_credentials;
    CFG_MERGE_PTR(key_id);
    CFG_MERGE_INT(attach_max);
    CFG_MERGE_INT(link_lifetime);
    CFG_MERGE_INT(link_max_lifetime);
}

#define FGET(x, d) (c->files.x != PORTAL_UNSET ? c->files.x : (d))

int portal_files_max_files(const portal_srv_t *c)
{
    return FGET(max_files, PORTAL_DEFAULT_UPLOAD_MAX_FILES);
}

int portal_files_check_content(const portal_srv_t *c)
{
    return FGET(check_content, 1);
}

apr_off_t portal_files_attach_max(const portal_srv_t *c)
{
    return FGET(attach_max, PORTAL_DEFAULT_MAIL_ATTACH_MAX);
}

int portal_files_link_lifetime(const portal_srv_t *c)
{
    int max = portal_files_link_max_lifetime(c);
    int v = FGET(link_lifetime, PORTAL_DEFAULT_LINK_LIFETIME);

    return v < max ? v : max;
}

int portal_files_link_max_lifetime(const portal_srv_t *c)
{
    return FGET(link_max_lifetime, PORTAL_DEFAULT_LINK_MAX_LIFETIME);
}

pt_store_t *portal_files_store(const portal_srv_t *c)
{
    return c->files.store;
}

pt_tsa_t *portal_files_tsa(const portal_srv_t *c)
{
    return c->files.tsa;
}

const unsigned char *portal_files_key(const portal_srv_t *c,
                                      const char **kid)
{
    *kid = c->files.kid;
    return c->files.key;
}

const unsigned char *portal_files_key_of(const portal_srv_t *c,
                                         const char *kid)
{
    return kid && c->files.keys
           ? apr_hash_get(c->files.keys, kid, APR_HASH_KEY_STRING) : NULL;
}

/* ------------------------------------------------------------ directives */

static portal_files_conf_t *files_conf(cmd_parms *cmd)
{
    return &portal_cfg_srv(cmd)->files;
}

const char *portal_parse_size(cmd_parms *cmd, const char *arg,
                              apr_off_t min, apr_off_t max, apr_off_t *out)
{
    switch (pt_size_parse(arg, min, max, out)) {
    case APR_SUCCESS:
        return NULL;
    case APR_EINVAL:
        return apr_psprintf(cmd->pool, "%s: '%s' is not a size (e.g. 500M)",
                            cmd->cmd->name, arg);
    default:
        return apr_psprintf(cmd->pool, "%s: '%s' is not a size between %"
                            APR_OFF_T_FMT " and %" APR_OFF_T_FMT " bytes",
                            cmd->cmd->name, arg, min, max);
    }
}

/* The upload limits apply to a <Location> when given in one. */
const char *portal_cmd_upload_size(cmd_parms *cmd, void *dc, const char *arg)
{
    portal_files_conf_t *f = files_conf(cmd);
    portal_dir_t *d = dc;
    apr_off_t big = (apr_off_t)1 << 40;     /* 1 TiB */

    if ((long)cmd->info == 2) {
        CFG_RETURN_IF_NOT_GLOBAL(cmd);      /* the mail job attaches */
    }
    switch ((long)cmd->info) {
    case 0:
        return portal_parse_size(cmd, arg, 1, big,
                          cmd->path ? &d->max_file : &f->max_file);
    case 1:
        return portal_parse_size(cmd, arg, 1024, big,
                          cmd->path ? &d->max_request : &f->max_request);
    default:
        return portal_parse_size(cmd, arg, 0, 64 * 1024 * 1024,
                                 &f->attach_max);
    }
}

const char *portal_cmd_upload_max_files(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    return portal_parse_int(cmd, arg, 1, 1000, &files_conf(cmd)->max_files);
}

/* In a <Location> it applies there (and below); elsewhere to the
 * server. */
const char *portal_cmd_upload_types(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    portal_dir_t *d = dc;
    const char **types = cmd->path ? &d->upload_types
                                   : &files_conf(cmd)->types;
    const char *p;

    if (!strcmp(arg, "*")) {
        *types = "";
        return NULL;
    }
    p = arg[0] == '.' ? arg + 1 : arg;
    if (!*p || strlen(p) > 16) {
        return apr_psprintf(cmd->pool, "PortalUploadTypes: '%s' is not a "
                            "file extension", arg);
    }
    for (; *p; p++) {
        if (!apr_isalnum(*p)) {
            return apr_psprintf(cmd->pool, "PortalUploadTypes: '%s' is not "
                                "a file extension (letters and digits)",
                                arg);
        }
    }
    p = apr_pstrdup(cmd->pool, arg[0] == '.' ? arg + 1 : arg);
    ap_str_tolower((char *)p);
    *types = *types && **types ? apr_pstrcat(cmd->pool, *types, " ", p,
                                             NULL) : p;
    return NULL;
}

const char *portal_cmd_upload_check(cmd_parms *cmd, void *dc, int on)
{
    files_conf(cmd)->check_content = on;
    return NULL;
}

/* PortalStorage local
 * PortalStorage s3 ENDPOINT REGION BUCKET CREDENTIALS-FILE [prefix=P]
 *               [part-size=SIZE] [ca-file=PATH] [timeout=SECONDS] */
const char *portal_cmd_storage(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[])
{
    portal_files_conf_t *f = files_conf(cmd);
    pt_s3_conf_t *s3;
    int i;

    CFG_RETURN_IF_NOT_GLOBAL(cmd);          /* store-cleanup sweeps it */
    if (argc == 1 && !strcasecmp(argv[0], "local")) {
        f->storage = PORTAL_STORE_LOCAL;
        f->s3 = NULL;
        return NULL;
    }
    if (argc < 5 || strcasecmp(argv[0], "s3")) {
        return "PortalStorage: 'local', or 's3 ENDPOINT REGION BUCKET "
               "CREDENTIALS-FILE [prefix=P] [part-size=SIZE] "
               "[ca-file=PATH] [timeout=SECONDS]'";
    }
    if (strncmp(argv[1], "http://", 7) && strncmp(argv[1], "https://", 8)) {
        return apr_psprintf(cmd->pool, "PortalStorage: the endpoint '%s' "
                            "must start with https:// (or http://)",
                            argv[1]);
    }
    s3 = apr_pcalloc(cmd->pool, sizeof(*s3));
    s3->endpoint = argv[1];
    s3->region = argv[2];
    s3->bucket = argv[3];
    s3->prefix = "";
    s3->part_size = PORTAL_DEFAULT_S3_PART_SIZE;
    s3->timeout = 300;
    f->s3_credentials = ap_server_root_relative(cmd->pool, argv[4]);
    for (i = 5; i < argc; i++) {
        const char *a = argv[i];
        const char *err;

        if (!strncmp(a, "prefix=", 7)) {
            s3->prefix = a + 7;
        }
        else if (!strncmp(a, "part-size=", 10)) {
            apr_off_t v;

            err = portal_parse_size(cmd, a + 10, 5 * 1024 * 1024,
                             (apr_off_t)5 * 1024 * 1024 * 1024, &v);
            if (err) {
                return err;
            }
            s3->part_size = (apr_size_t)v;
        }
        else if (!strncmp(a, "ca-file=", 8)) {
            s3->ca_file = ap_server_root_relative(cmd->pool, a + 8);
        }
        else if (!strncmp(a, "timeout=", 8)) {
            int t;

            err = portal_parse_int(cmd, a + 8, 1, 86400, &t);
            if (err) {
                return err;
            }
            s3->timeout = t;
        }
        else {
            return apr_psprintf(cmd->pool, "PortalStorage: unknown option "
                                "'%s'", a);
        }
    }
    f->storage = PORTAL_STORE_S3;
    f->s3 = s3;
    return NULL;
}

const char *portal_cmd_file_key_id(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_size_t n = strlen(arg), i;

    CFG_RETURN_IF_NOT_GLOBAL(cmd);          /* the mail job decrypts */
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(arg[i]) && arg[i] != '-' && arg[i] != '_') {
            break;
        }
    }
    if (n == 0 || n > 32 || i < n) {
        return "PortalFileKeyId: 1 to 32 letters, digits, '-' or '_'";
    }
    files_conf(cmd)->key_id = arg;
    return NULL;
}

const char *portal_cmd_link_lifetime(cmd_parms *cmd, void *dc,
                                     const char *arg)
{
    portal_files_conf_t *f = files_conf(cmd);

    if (cmd->info) {
        return portal_parse_int(cmd, arg, 60, 365L * 86400,
                                &f->link_max_lifetime);
    }
    return portal_parse_int(cmd, arg, 60, 365L * 86400,
                            &f->link_lifetime);
}

/* PortalLinkMaxActive N (server or <Location>). */
const char *portal_cmd_link_max_active(cmd_parms *cmd, void *dc,
                                       const char *arg)
{
    return portal_parse_int(cmd, arg, 1, 100000,
                            &((portal_dir_t *)dc)->link_max_active);
}

/* ------------------------------------------------------------ start-up */

/* What several virtual hosts naming the same data folder share. */
typedef struct files_shared_t {
    pt_store_t *store;
    pt_tsa_t *tsa;
    apr_hash_t *keys;
} files_shared_t;

static apr_status_t read_s3_credentials(apr_pool_t *pconf, server_rec *s,
                                        portal_files_conf_t *f)
{
    pt_err_t err = { 0 };
    char *buf, *colon, *end;
    apr_size_t len;
    apr_status_t rv;

    rv = pt_file_read(pconf, f->s3_credentials, &buf, &len, 4096, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0300)
                     "PortalStorage: %s", pt_err_str(&err, pconf));
        return APR_EGENERAL;
    }
    end = buf + strcspn(buf, "\r\n");
    *end = '\0';
    colon = strchr(buf, ':');
    if (!colon || colon == buf || !colon[1]) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PORTAL_LOGNO(0301)
                     "PortalStorage: %s must hold one line "
                     "ACCESS_KEY:SECRET_KEY", f->s3_credentials);
        return APR_EGENERAL;
    }
    *colon = '\0';
    f->s3->access_key = buf;
    f->s3->secret_key = colon + 1;
    return APR_SUCCESS;
}

/* Every keys/file-KID.key: older keys stay readable after a rotation. */
static apr_status_t load_file_keys(apr_pool_t *pconf, server_rec *s,
                                   const char *keydir, const char *kid,
                                   apr_hash_t *keys)
{
    pt_err_t err = { 0 };
    unsigned char *key;
    int created;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = pt_key_load_or_create(pconf, apr_pstrcat(pconf, keydir, "/file-",
                                                  kid, ".key", NULL),
                               PT_FC_KEY_BYTES, &key, &created, &err);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0302)
                     "file master key: %s", pt_err_str(&err, pconf));
        return rv;
    }
    if (created) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PORTAL_LOGNO(0303)
                     "created file master key '%s' in %s", kid, keydir);
    }
    apr_hash_set(keys, apr_pstrdup(pconf, kid), APR_HASH_KEY_STRING, key);
    rv = apr_dir_open(&d, keydir, pconf);
    if (rv != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        apr_size_t n = strlen(fi.name);
        const char *other;

        if (fi.filetype != APR_REG || n <= 9 || strncmp(fi.name, "file-", 5)
            || strcmp(fi.name + n - 4, ".key")) {
            continue;
        }
        other = apr_pstrmemdup(pconf, fi.name + 5, n - 9);
        if (apr_hash_get(keys, other, APR_HASH_KEY_STRING)) {
            continue;
        }
        rv = pt_key_load_or_create(pconf, apr_pstrcat(pconf, keydir, "/",
                                                      fi.name, NULL),
                                   PT_FC_KEY_BYTES, &key, &created, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0304)
                         "file master key: %s", pt_err_str(&err, pconf));
            apr_dir_close(d);
            return APR_EGENERAL;
        }
        apr_hash_set(keys, other, APR_HASH_KEY_STRING, key);
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

apr_status_t portal_files_load(apr_pool_t *pconf, server_rec *s,
                               portal_srv_t *c, apr_hash_t *cache)
{
    portal_files_conf_t *f = &c->files;
    const char *data = portal_conf_data_dir(c);
    const char *keydir = apr_pstrcat(pconf, data, "/keys", NULL);
    const char *kid = f->key_id ? f->key_id : PORTAL_DEFAULT_FILE_KEY_ID;
    const char *ckey = apr_pstrcat(pconf, data, "\n",
                                   f->storage == PORTAL_STORE_S3
                                   ? f->s3->bucket : "local", "\n", kid,
                                   NULL);
    files_shared_t *sh = apr_hash_get(cache, ckey, APR_HASH_KEY_STRING);
    pt_err_t err = { 0 };
    int created;
    apr_status_t rv;

    if (!sh) {
        sh = apr_pcalloc(pconf, sizeof(*sh));
        if (f->storage == PORTAL_STORE_S3) {
            rv = read_s3_credentials(pconf, s, f);
            if (rv == APR_SUCCESS) {
                rv = pt_store_s3_create(pconf, f->s3, &sh->store, &err);
            }
        }
        else {
            const char *dir = apr_pstrcat(pconf, data, "/files", NULL);

            rv = portal_ensure_dir(pconf, s, dir, 1);
            if (rv == APR_SUCCESS) {
                rv = portal_ensure_dir(pconf, s, apr_pstrcat(pconf, dir,
                                                             "/tmp", NULL),
                                       1);
            }
            if (rv == APR_SUCCESS) {
                rv = pt_store_local_create(pconf, dir, &sh->store, &err);
            }
        }
        if (rv != APR_SUCCESS) {
            if (err.what) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                             PORTAL_LOGNO(0305) "file store: %s",
                             pt_err_str(&err, pconf));
            }
            return rv;
        }
        sh->keys = apr_hash_make(pconf);
        rv = load_file_keys(pconf, s, keydir, kid, sh->keys);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = pt_tsa_open(pconf, keydir, apr_pstrcat(pconf,
                         portal_conf_site_name(c),
                         " Time-Stamping Authority", NULL),
                         &sh->tsa, &created, &err);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PORTAL_LOGNO(0306)
                         "time-stamping key: %s", pt_err_str(&err, pconf));
            return rv;
        }
        if (created) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PORTAL_LOGNO(0307)
                         "created the time-stamping key and certificate in "
                         "%s", keydir);
        }
        apr_hash_set(cache, ckey, APR_HASH_KEY_STRING, sh);
    }
    f->store = sh->store;
    f->tsa = sh->tsa;
    f->keys = sh->keys;
    f->kid = kid;
    f->key = apr_hash_get(sh->keys, kid, APR_HASH_KEY_STRING);
    return APR_SUCCESS;
}
