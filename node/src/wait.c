/* Blocking waits on a JS thread (the sync APIs). They block only the calling thread, in short
 * slices: between slices they check that the env may still run JS, so worker.terminate()
 * ends the wait (the job is cancelled) instead of waiting for the job to finish. */
#include "olnode.h"

#define OLNODE_WAIT_SLICE_MS 50

int olnode_wait_future(olnode_env *e, ol_future *f)
{
    for (;;) {
        int rc = ol_future_wait(f, OLNODE_WAIT_SLICE_MS);
        if (rc != OL_ETIMEDOUT) return rc;
        if (!olnode_env_alive(e)) {
            ol_future_cancel(f);
            return OL_ECANCELED;
        }
    }
}

int olnode_iter_next_blocking(olnode_env *e, ol_iter *it, ol_item **item)
{
    for (;;) {
        int rc = ol_iter_next(it, item, OLNODE_WAIT_SLICE_MS);
        if (rc != OL_ETIMEDOUT) return rc;
        if (!olnode_env_alive(e)) return OL_ECANCELED;
    }
}
