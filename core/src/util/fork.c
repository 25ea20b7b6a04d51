/* One pthread_atfork for the whole core (threading rule 8, docs/threading.md). Each part that
 * holds process-wide locks adds its hooks here; in the child, the fork generation moves on
 * first, so every handle made before the fork answers OL_EFORKED from then on. */
#include "util.h"

#include <stdlib.h>

enum { MAX_HOOKS = 8 };

atomic_uint ol__fork_generation;

static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER; /* held across the fork */
static const ol_fork_hooks *hooks[MAX_HOOKS];
static size_t n_hooks;

static void on_prepare(void)
{
    pthread_mutex_lock(&hooks_lock);
    for (size_t i = n_hooks; i-- > 0;)
        if (hooks[i]->prepare) hooks[i]->prepare();
}

static void on_parent(void)
{
    for (size_t i = 0; i < n_hooks; i++)
        if (hooks[i]->parent) hooks[i]->parent();
    pthread_mutex_unlock(&hooks_lock);
}

static void on_child(void)
{
    atomic_fetch_add(&ol__fork_generation, 1);
    for (size_t i = 0; i < n_hooks; i++)
        if (hooks[i]->child) hooks[i]->child();
    pthread_mutex_unlock(&hooks_lock); /* this thread took it in on_prepare */
}

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static void install(void) { pthread_atfork(on_prepare, on_parent, on_child); }

void ol__fork_hooks_add(const ol_fork_hooks *h)
{
    pthread_once(&install_once, install);
    pthread_mutex_lock(&hooks_lock);
    if (n_hooks == MAX_HOOKS) abort(); /* a new part of the core: raise MAX_HOOKS */
    hooks[n_hooks++] = h;
    pthread_mutex_unlock(&hooks_lock);
}

unsigned ol__fork_generation_now(void)
{
    pthread_once(&install_once, install);
    return atomic_load(&ol__fork_generation);
}
