/*
 * pt_slots.c -- the slot table of pt_slots.h.
 */
#include <string.h>

#include "pt_slots.h"

static void slot_free(pt_slot_t *s)
{
    memset(s, 0, sizeof(*s));
}

int pt_slots_take(pt_slots_t *t, int max_all, int max_owner,
                  apr_int64_t owner, apr_uint32_t pid, apr_int64_t now,
                  pt_slot_alive_fn alive, void *baton, int *index,
                  apr_uint32_t *ticket, int *reclaimed)
{
    int i, all = 0, mine = 0, free_at = -1, back = 0;

    if (max_all > PT_SLOTS_MAX) {
        max_all = PT_SLOTS_MAX;
    }
    for (i = 0; i < PT_SLOTS_MAX; i++) {
        pt_slot_t *s = &t->slot[i];

        if (s->ticket && s->pid != pid && alive && !alive(s->pid, baton)) {
            slot_free(s);
            back++;
        }
        if (!s->ticket) {
            if (free_at < 0) {
                free_at = i;
            }
            continue;
        }
        all++;
        mine += s->owner == owner;
    }
    if (reclaimed) {
        *reclaimed = back;
    }
    if (all >= max_all || free_at < 0) {
        return PT_SLOT_ALL_BUSY;
    }
    if (mine >= max_owner) {
        return PT_SLOT_OWNER_BUSY;
    }
    if (++t->next_ticket == 0) {        /* 0 means free */
        t->next_ticket = 1;
    }
    t->slot[free_at].owner = owner;
    t->slot[free_at].since = now;
    t->slot[free_at].pid = pid;
    t->slot[free_at].ticket = t->next_ticket;
    *index = free_at;
    *ticket = t->next_ticket;
    return PT_SLOT_TAKEN;
}

void pt_slots_release(pt_slots_t *t, int index, apr_uint32_t ticket)
{
    if (index >= 0 && index < PT_SLOTS_MAX && ticket
        && t->slot[index].ticket == ticket) {
        slot_free(&t->slot[index]);
    }
}

int pt_slots_held(const pt_slots_t *t, apr_int64_t owner)
{
    int i, n = 0;

    for (i = 0; i < PT_SLOTS_MAX; i++) {
        if (t->slot[i].ticket && (!owner || t->slot[i].owner == owner)) {
            n++;
        }
    }
    return n;
}
