/* Response-body buffers (body_pool.c), recycled process-wide; any thread. */
#ifndef OL_SRC_BODY_POOL_H
#define OL_SRC_BODY_POOL_H

#include <stddef.h>
#include <stdint.h>

/* A buffer of at least need bytes; *cap gets its real capacity (pass it back to free). */
void *ol__body_alloc(size_t need, size_t *cap);
void ol__body_free(void *p, size_t cap);
/* Gives back buffers unused for keep_ms (negative: the pool's own 5 s), from a loop's idle
 * tick. */
void ol__body_pool_decay(int64_t keep_ms);
size_t ol__body_pool_idle_bytes(void);

#endif
