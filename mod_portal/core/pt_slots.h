/*
 * pt_slots.h -- a small table of "who is doing X right now", to cap how
 * many of X run at once in total and per owner (the portal uses it for
 * indicator exports, in shared memory so that every child process of a
 * server sees the same table).
 *
 * The table is plain data: the caller keeps it where all processes see it
 * and holds a lock around every call.  A holder is a process and an owner
 * (a user id); a process that died without giving its slots back (a
 * crashed or killed child) is found by the caller's alive() check when the
 * table is next used, and its slots are taken back.
 */
#ifndef PT_SLOTS_H
#define PT_SLOTS_H

#include <apr.h>

#define PT_SLOTS_MAX 64

typedef struct pt_slot_t {
    apr_int64_t owner;          /* who holds it (> 0); 0: free */
    apr_int64_t since;          /* when it was taken, seconds */
    apr_uint32_t pid;           /* the process holding it */
    apr_uint32_t ticket;        /* this holding, for its release; 0: free */
} pt_slot_t;

typedef struct pt_slots_t {
    apr_uint32_t next_ticket;
    pt_slot_t slot[PT_SLOTS_MAX];
} pt_slots_t;

/* Is process pid still running? */
typedef int (*pt_slot_alive_fn)(apr_uint32_t pid, void *baton);

#define PT_SLOT_TAKEN 0         /* *index and *ticket name the slot */
#define PT_SLOT_ALL_BUSY 1      /* max_all slots are held */
#define PT_SLOT_OWNER_BUSY 2    /* owner holds max_owner of them */

/* Take a slot for owner in process pid unless that makes more than
 * max_all held slots (at most PT_SLOTS_MAX) or more than max_owner held
 * by owner.  First, every slot of a process other than pid for which
 * alive() says no is freed; *reclaimed (may be NULL) counts them. */
int pt_slots_take(pt_slots_t *t, int max_all, int max_owner,
                  apr_int64_t owner, apr_uint32_t pid, apr_int64_t now,
                  pt_slot_alive_fn alive, void *baton, int *index,
                  apr_uint32_t *ticket, int *reclaimed);

/* Give back the slot taken with that index and ticket (nothing when it
 * is no longer that holding). */
void pt_slots_release(pt_slots_t *t, int index, apr_uint32_t ticket);

/* Slots held: by owner, or in total when owner is 0. */
int pt_slots_held(const pt_slots_t *t, apr_int64_t owner);

#endif /* PT_SLOTS_H */
