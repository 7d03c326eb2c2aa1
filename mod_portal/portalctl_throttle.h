/*
 * portalctl_throttle.h -- `portalctl throttle`: the throttle's blocks as
 * the database knows them, and lifts for httpd to carry out.
 */
#ifndef PORTALCTL_THROTTLE_H
#define PORTALCTL_THROTTLE_H

#include <apr_pools.h>

#include "pt_sql.h"

/* `throttle [list]` and `throttle lift ID` on db; the exit status. */
int portalctl_throttle(apr_pool_t *p, pt_db_t *db, const char *sub,
                       const char *arg);

#endif /* PORTALCTL_THROTTLE_H */
