/*
 * pt_keys.h -- secret keys kept as files in the data folder.
 *
 * A key file holds exactly the key's bytes and has mode 0600.  The first
 * process to need a key creates it from the CSPRNG; creation is atomic
 * (written under a temporary name, fsynced, then hard-linked into place),
 * so processes starting at once all end up with the same key.
 */
#ifndef PT_KEYS_H
#define PT_KEYS_H

#include <apr_file_info.h>

#include "pt_core.h"

/* Read the n-byte key at path, creating it when missing.  *created is set
 * to 1 when this call made it.  A file of another size is an error (a
 * truncated key must not be silently replaced). */
apr_status_t pt_key_load_or_create(apr_pool_t *p, const char *path,
                                   apr_size_t n, unsigned char **key,
                                   int *created, pt_err_t *err);

/* Create path with len bytes of data and mode perms (exactly: not reduced
 * by the umask) unless it exists: the data is written to a new temporary
 * file (a random name, so threads of one process do not collide), fsynced,
 * and hard-linked to path, then dir (path's folder) is fsynced.  link()
 * refuses to replace an existing file, so when another process made path
 * first (*won = 0) theirs stays and ours is dropped. */
apr_status_t pt_file_publish(apr_pool_t *p, const char *dir,
                             const char *path, const void *data,
                             apr_size_t len, apr_fileperms_t perms, int *won,
                             pt_err_t *err);

#endif /* PT_KEYS_H */
