/* Unit test of the response-body buffer pool (core/src/body_pool.c), against the static
 * library: its functions are internal. */
#include "../core/src/internal.h"

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
            failures++;                                                                 \
        }                                                                               \
    } while (0)

int main(void)
{
    size_t cap = 0;

    /* Sizes round up to a power-of-two class from 16 KB to 16 MB; a released buffer is kept
     * and handed to the next request of its class. */
    char *a = ol__body_alloc(100000, &cap);
    CHECK(a != NULL && cap == 131072);
    memset(a, 'x', cap); /* the whole capacity is usable */
    ol__body_free(a, cap);
    CHECK(ol__body_pool_idle_bytes() == 131072);
    size_t cap2 = 0;
    char *b = ol__body_alloc(70000, &cap2);
    CHECK(b == a && cap2 == 131072);
    CHECK(ol__body_pool_idle_bytes() == 0);

    /* Another class does not take it. */
    ol__body_free(b, cap2);
    char *c = ol__body_alloc(20000, &cap);
    CHECK(c != a && cap == 32768);
    CHECK(ol__body_pool_idle_bytes() == 131072);
    ol__body_free(c, cap);

    /* Below 16 KB and above 16 MB: plain malloc, exact size, never kept. */
    char *small = ol__body_alloc(1000, &cap);
    CHECK(small != NULL && cap == 1000);
    ol__body_free(small, cap);
    char *huge = ol__body_alloc((size_t)17 << 20, &cap);
    CHECK(huge != NULL && cap == (size_t)17 << 20);
    ol__body_free(huge, cap);
    CHECK(ol__body_pool_idle_bytes() == 131072 + 32768);

    /* The idle total is capped at 256 MB: buffers beyond it are freed at once. */
    enum { N = 40 };
    char *big[N];
    size_t caps[N];
    for (int i = 0; i < N; i++) big[i] = ol__body_alloc((size_t)8 << 20, &caps[i]);
    for (int i = 0; i < N; i++) ol__body_free(big[i], caps[i]);
    CHECK(ol__body_pool_idle_bytes() <= ((size_t)256 << 20));
    CHECK(ol__body_pool_idle_bytes() >= ((size_t)256 << 20) - ((size_t)8 << 20));

    /* Decay: buffers unused for longer than keep_ms are given back. */
    ol__body_pool_decay(60 * 1000);
    CHECK(ol__body_pool_idle_bytes() > 0); /* all were used within the last minute */
    ol__body_pool_decay(0);
    CHECK(ol__body_pool_idle_bytes() == 0);

    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    else printf("body pool: all checks passed\n");
    return failures ? 1 : 0;
}
