/* Work the loop thread does once the callbacks of the current loop iteration have run, just
 * before it blocks in the poll phase (a uv_prepare handle) and just after the I/O callbacks
 * (a uv_check handle, for loops run with OL_RUN_NOWAIT/ONCE).
 *
 * Notifiers use it to write their eventfd once per iteration instead of once per completion:
 * responses that arrive together reach a host loop (asyncio, a Ruby scheduler) as one
 * wake-up, even when its thread drains the notifier between two of them. */
#include "loop_impl.h"

static void run_all(ol_loop *loop)
{
    while (loop->deferred) {
        ol_deferred *d = loop->deferred;
        loop->deferred = NULL; /* work deferred while these run goes on the next list */
        while (d) {
            ol_deferred *next = d->next;
            d->run(d);
            d = next;
        }
    }
}

static void on_prepare(uv_prepare_t *h) { run_all(h->data); }
static void on_check(uv_check_t *h) { run_all(h->data); }

void ol__loop_defer_init(ol_loop *loop)
{
    uv_prepare_init(&loop->uv, &loop->defer_prepare);
    uv_check_init(&loop->uv, &loop->defer_check);
    loop->defer_prepare.data = loop->defer_check.data = loop;
    uv_prepare_start(&loop->defer_prepare, on_prepare);
    uv_check_start(&loop->defer_check, on_check);
    /* They never keep the loop alive by themselves. */
    uv_unref((uv_handle_t *)&loop->defer_prepare);
    uv_unref((uv_handle_t *)&loop->defer_check);
    loop->deferring = true;
}

bool ol__loop_defer(ol_loop *loop, ol_deferred *d)
{
    if (!loop->deferring) return false;
    d->next = loop->deferred;
    loop->deferred = d;
    return true;
}

void ol__loop_defer_flush(ol_loop *loop) { run_all(loop); }

void ol__loop_defer_stop(ol_loop *loop)
{
    loop->deferring = false; /* from now on, callers do their work at once */
    run_all(loop);
}
