/* Job kinds' per-loop state (runtime.h: ol_kind_hooks). The loop never names a kind: it
 * closes every slot at shutdown and asks every kind for its stats through the hooks that the
 * kind registered. */
#include "loop_impl.h"

#include <stdlib.h>

static _Atomic(const ol_kind_hooks *) registered[OL_KIND_SLOTS];
static atomic_int n_registered;

int ol__kind_register(const ol_kind_hooks *hooks)
{
    int slot = atomic_fetch_add(&n_registered, 1);
    if (slot >= OL_KIND_SLOTS) abort(); /* a new kind with per-loop state: raise OL_KIND_SLOTS */
    atomic_store_explicit(&registered[slot], hooks, memory_order_release);
    return slot;
}

static const ol_kind_hooks *hooks_of(int slot)
{
    return atomic_load_explicit(&registered[slot], memory_order_acquire);
}

void *ol__kind_state(ol_loop *loop, int slot) { return loop->kind_slots[slot].state; }

void *ol__kind_state_get(ol_loop *loop, int slot)
{
    ol_kind_slot *s = &loop->kind_slots[slot];
    if (!s->state) s->state = hooks_of(slot)->init(loop);
    return s->state;
}

void ol__kind_count(ol_loop *loop, int slot, uint64_t n)
{
    atomic_fetch_add_explicit(&loop->kind_slots[slot].counter, n, memory_order_relaxed);
}

void ol__kinds_close(ol_loop *loop)
{
    for (int slot = 0; slot < OL_KIND_SLOTS; slot++) {
        ol_kind_slot *s = &loop->kind_slots[slot];
        void *state = s->state;
        if (!state) continue;
        s->state = NULL; /* closed from now on, also for the kind's callbacks during close */
        hooks_of(slot)->close(loop, state);
    }
}

void ol__kinds_stats(ol_loop *loop, ol_loop_stats *stats)
{
    for (int slot = 0; slot < OL_KIND_SLOTS; slot++) {
        const ol_kind_hooks *hooks = hooks_of(slot);
        if (hooks && hooks->stats)
            hooks->stats(
                atomic_load_explicit(&loop->kind_slots[slot].counter, memory_order_relaxed), stats);
    }
}
