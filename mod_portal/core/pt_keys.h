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

#include "pt_core.h"

/* Read the n-byte key at path, creating it when missing.  *created is set
 * to 1 when this call made it.  A file of another size is an error (a
 * truncated key must not be silently replaced). */
apr_status_t pt_key_load_or_create(apr_pool_t *p, const char *path,
                                   apr_size_t n, unsigned char **key,
                                   int *created, pt_err_t *err);

#endif /* PT_KEYS_H */
