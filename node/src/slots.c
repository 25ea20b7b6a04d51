/* Slot table: small reusable integer ids that JS holds instead of native pointers, so a stale
 * id from JS can never reach freed memory (lookups of a freed id return NULL). */
#include "olnode.h"

#include <stdlib.h>

int olnode_slots_add(olnode_slots *t, void *item, uint32_t *id)
{
    if (t->n_free == 0) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        void **items = realloc(t->items, cap * sizeof *items);
        if (!items) return OL_ENOMEM;
        t->items = items;
        uint32_t *free_ids = realloc(t->free_ids, cap * sizeof *free_ids);
        if (!free_ids) return OL_ENOMEM;
        t->free_ids = free_ids;
        /* New ids go on the free stack highest first, so low ids are handed out first. */
        for (uint32_t i = cap; i > t->cap; i--) {
            t->items[i - 1] = NULL;
            t->free_ids[t->n_free++] = i - 1;
        }
        t->cap = cap;
    }
    uint32_t i = t->free_ids[--t->n_free];
    t->items[i] = item;
    t->used++;
    *id = i;
    return OL_OK;
}

void *olnode_slots_get(const olnode_slots *t, uint32_t id)
{
    return id < t->cap ? t->items[id] : NULL;
}

void olnode_slots_remove(olnode_slots *t, uint32_t id)
{
    if (id >= t->cap || !t->items[id]) return;
    t->items[id] = NULL;
    t->free_ids[t->n_free++] = id;
    t->used--;
}

void olnode_slots_free(olnode_slots *t)
{
    free(t->items);
    free(t->free_ids);
    t->items = NULL;
    t->free_ids = NULL;
    t->cap = t->n_free = t->used = 0;
}
