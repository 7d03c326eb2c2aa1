/*
 * throttle.c -- the throttle's directives, their merge and
 * the limits they resolve to.
 *
 * Every limit can be set for the server or for one <Location> (a test or
 * a sensitive mount can have tighter ones); the cache that holds the
 * records (PortalThrottleCache) is one for the whole httpd.  Each pair of
 * numbers is set together, so a <Location> that sets a budget sets its
 * window too.  Values are checked when the configuration is read.
 */
#include "apr_strings.h"
#include "apr_lib.h"

#include <unistd.h>

#include "portal.h"
#include "cfg_int.h"

APLOG_USE_MODULE(portal);

portal_throttle_dir_t *portal_throttle_dir_create(apr_pool_t *p)
{
    portal_throttle_dir_t *t = apr_pcalloc(p, sizeof(*t));

    t->enabled = PORTAL_UNSET;
    t->bo_free = PORTAL_UNSET;
    t->ip_budget = PORTAL_UNSET;
    t->acct_budget = PORTAL_UNSET;
    t->write_budget[0] = t->write_budget[1] = t->write_budget[2]
        = PORTAL_UNSET;
    t->addr_budget = PORTAL_UNSET;
    t->argon2_max = PORTAL_UNSET;
    t->argon2_wait = -1;
    return t;
}

portal_throttle_dir_t *portal_throttle_dir_merge(apr_pool_t *p,
                                                 const portal_throttle_dir_t *base,
                                                 const portal_throttle_dir_t *add)
{
    portal_throttle_dir_t *c = apr_pcalloc(p, sizeof(*c));
    const portal_throttle_dir_t *from;
    int i;

    if (!base || !add) {
        return portal_throttle_dir_create(p);
    }
    CFG_MERGE_INT(enabled);
    /* each directive's numbers together */
    from = CFG_PICK(bo_free);
    c->bo_free = from->bo_free;
    c->bo_base = from->bo_base;
    c->bo_cap = from->bo_cap;
    c->bo_forget = from->bo_forget;
    from = CFG_PICK(ip_budget);
    c->ip_budget = from->ip_budget;
    c->ip_window = from->ip_window;
    from = CFG_PICK(acct_budget);
    c->acct_budget = from->acct_budget;
    c->acct_window = from->acct_window;
    for (i = 0; i < 3; i++) {
        from = CFG_PICK(write_budget[i]);
        c->write_budget[i] = from->write_budget[i];
        c->write_window[i] = from->write_window[i];
    }
    from = CFG_PICK(addr_budget);
    c->addr_budget = from->addr_budget;
    c->addr_window = from->addr_window;
    CFG_MERGE_INT(argon2_max);
    CFG_MERGE_INT(argon2_wait);
    return c;
}

/* The section's settings (never NULL). */
static const portal_throttle_dir_t *th_dir(const portal_dir_t *d)
{
    static const portal_throttle_dir_t none = {
        PORTAL_UNSET, PORTAL_UNSET, 0, 0, 0, PORTAL_UNSET, 0, PORTAL_UNSET,
        0, { PORTAL_UNSET, PORTAL_UNSET, PORTAL_UNSET }, { 0, 0, 0 },
        PORTAL_UNSET, 0, PORTAL_UNSET, -1
    };

    return d && d->throttle ? d->throttle : &none;
}

int portal_throttle_enabled(const portal_dir_t *d)
{
    return th_dir(d)->enabled != 0;   /* unset: On */
}

static void budget(pt_throttle_limits_t *out, int n, int window, int def)
{
    out->budget = (unsigned)(n != PORTAL_UNSET ? n : def);
    out->window = (unsigned)(n != PORTAL_UNSET ? window : PORTAL_TH_WINDOW);
}

void portal_throttle_limits(const portal_dir_t *d, portal_th_kind_e kind,
                            pt_throttle_limits_t *out)
{
    const portal_throttle_dir_t *t = th_dir(d);

    memset(out, 0, sizeof(*out));
    switch (kind) {
    case PORTAL_TH_PAIR:
        if (t->bo_free != PORTAL_UNSET) {
            out->free = (unsigned)t->bo_free;
            out->base = (unsigned)t->bo_base;
            out->cap = (unsigned)t->bo_cap;
            out->forget = (unsigned)t->bo_forget;
        }
        else {
            out->free = PORTAL_TH_FREE;
            out->base = PORTAL_TH_BASE;
            out->cap = PORTAL_TH_CAP;
            out->forget = PORTAL_TH_FORGET;
        }
        break;
    case PORTAL_TH_IP:
        budget(out, t->ip_budget, t->ip_window, PORTAL_TH_IP_BUDGET);
        break;
    case PORTAL_TH_ACCOUNT:
        budget(out, t->acct_budget, t->acct_window, PORTAL_TH_ACCT_BUDGET);
        break;
    case PORTAL_TH_WRITE:
        portal_throttle_write_limits(d, PORTAL_TH_SIGNUP, out);
        break;
    case PORTAL_TH_ADDRESS:
        budget(out, t->addr_budget, t->addr_window, PORTAL_TH_ADDR_BUDGET);
        break;
    }
}

void portal_throttle_write_limits(const portal_dir_t *d,
                                  portal_th_write_e which,
                                  pt_throttle_limits_t *out)
{
    const portal_throttle_dir_t *t = th_dir(d);

    memset(out, 0, sizeof(*out));
    budget(out, t->write_budget[which], t->write_window[which],
           which == PORTAL_TH_SIGNUP ? PORTAL_TH_SIGNUP_BUDGET
                                     : PORTAL_TH_MAIL_BUDGET);
}

int portal_argon2_max(const portal_dir_t *d)
{
    const portal_throttle_dir_t *t = th_dir(d);
    long n;

    if (t->argon2_max != PORTAL_UNSET) {
        return t->argon2_max;
    }
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

apr_interval_time_t portal_argon2_wait(const portal_dir_t *d)
{
    const portal_throttle_dir_t *t = th_dir(d);

    return t->argon2_wait >= 0 ? t->argon2_wait : PORTAL_ARGON2_WAIT;
}

/* ------------------------------------------------------------ directives */

static portal_throttle_dir_t *dconf(void *dc)
{
    return ((portal_dir_t *)dc)->throttle;
}

const char *portal_cmd_throttle_flag(cmd_parms *cmd, void *dc, int on)
{
    dconf(dc)->enabled = on;
    return NULL;
}

/* PortalThrottleCache PROVIDER[:ARGUMENTS]: only for the whole server
 * (one cache for every virtual host); the provider is looked up at
 * start-up, when every LoadModule has been read. */
const char *portal_cmd_throttle_cache(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    portal_srv_t *c = portal_cfg_srv(cmd);
    apr_size_t n = strcspn(arg, ":");

    if (err) {
        return err;
    }
    if (n == 0 || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_") < n) {
        return apr_psprintf(cmd->pool, "PortalThrottleCache: '%s' must be "
                            "PROVIDER[:ARGUMENTS], e.g. shmcb, "
                            "memcache:127.0.0.1:11211 or "
                            "redis:127.0.0.1:6379", arg);
    }
    c->throttle_cache = arg;
    return NULL;
}

/* PortalThrottleBackoff FREE BASE CAP [FORGET] */
const char *portal_cmd_throttle_backoff(cmd_parms *cmd, void *dc, int argc,
                                        char *const argv[])
{
    portal_throttle_dir_t *t = dconf(dc);
    int v[4] = { 0, 0, 0, PORTAL_TH_FORGET };
    static const long lo[4] = { 0, 1, 1, 60 };
    static const long hi[4] = { 1000, 3600, 86400, 30L * 86400 };
    const char *err;
    int i;

    if (argc < 3 || argc > 4) {
        return "PortalThrottleBackoff takes FREE BASE CAP [FORGET]: free "
               "failures, the first delay and the longest (seconds), and "
               "the quiet seconds that wipe the count";
    }
    for (i = 0; i < argc; i++) {
        err = portal_parse_int(cmd, argv[i], lo[i], hi[i], &v[i]);
        if (err) {
            return err;
        }
    }
    if (v[2] < v[1]) {
        return "PortalThrottleBackoff: the longest delay (CAP) is shorter "
               "than the first (BASE)";
    }
    t->bo_free = v[0];
    t->bo_base = v[1];
    t->bo_cap = v[2];
    t->bo_forget = v[3];
    return NULL;
}

/* PortalThrottle{IP,Account,Write,Address}Budget N SECONDS (info: the
 * portal_th_kind_e) */
const char *portal_cmd_throttle_budget(cmd_parms *cmd, void *dc,
                                       const char *n, const char *secs)
{
    portal_throttle_dir_t *t = dconf(dc);
    int budget, window;
    const char *err = portal_parse_int(cmd, n, 1, 1000000, &budget);

    if (!err) {
        err = portal_parse_int(cmd, secs, 1, 30L * 86400, &window);
    }
    if (err) {
        return err;
    }
    switch ((long)cmd->info) {
    case PORTAL_TH_IP:
        t->ip_budget = budget;
        t->ip_window = window;
        break;
    case PORTAL_TH_ACCOUNT:
        t->acct_budget = budget;
        t->acct_window = window;
        break;
    default:
        t->addr_budget = budget;
        t->addr_window = window;
        break;
    }
    return NULL;
}

/* PortalThrottleWriteBudget N SECONDS [signup] [forgot] [resend] (none
 * named: all three) */
const char *portal_cmd_throttle_write(cmd_parms *cmd, void *dc, int argc,
                                      char *const argv[])
{
    static const char *const names[3] = { "signup", "forgot", "resend" };
    portal_throttle_dir_t *t = dconf(dc);
    int budget, window, which[3] = { 0, 0, 0 }, i, j;
    const char *err;

    if (argc < 2) {
        return "PortalThrottleWriteBudget takes N SECONDS and, optionally, "
               "which writes: signup, forgot, resend (default all three)";
    }
    err = portal_parse_int(cmd, argv[0], 1, 1000000, &budget);
    if (!err) {
        err = portal_parse_int(cmd, argv[1], 1, 30L * 86400, &window);
    }
    if (err) {
        return err;
    }
    for (i = 2; i < argc; i++) {
        for (j = 0; j < 3 && strcasecmp(argv[i], names[j]); j++) {
            continue;
        }
        if (j == 3) {
            return apr_psprintf(cmd->pool, "PortalThrottleWriteBudget: '%s' "
                                "is not signup, forgot or resend", argv[i]);
        }
        which[j] = 1;
    }
    for (j = 0; j < 3; j++) {
        if (argc == 2 || which[j]) {
            t->write_budget[j] = budget;
            t->write_window[j] = window;
        }
    }
    return NULL;
}

const char *portal_cmd_argon2_max(cmd_parms *cmd, void *dc, const char *arg)
{
    return portal_parse_int(cmd, arg, 1, 1024, &dconf(dc)->argon2_max);
}

/* PortalArgon2Wait DURATION: "2" (seconds), "500ms", "0" (never wait) */
const char *portal_cmd_argon2_wait(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_interval_time_t t;

    if (!apr_isdigit(*arg)
        || ap_timeout_parameter_parse(arg, &t, "s") != APR_SUCCESS
        || t < 0 || t > apr_time_from_sec(60)) {
        return apr_psprintf(cmd->pool, "PortalArgon2Wait: '%s' is not a "
                            "duration of 0 to 60 seconds (e.g. 2 or "
                            "500ms)", arg);
    }
    dconf(dc)->argon2_wait = t;
    return NULL;
}
