/* Unit test of the response-body buffer pool (core/src/http/body_pool.c), against the static
 * library: its functions are internal. */
#include "../core/src/http/body_pool.h"

#include <stdio.h>
#include <string.h>

#include "support/c_check.h"

int main(void)
{
    size_t cap = 0;

    /* Sizes round up to a class (four per power of two) from 16 KB to 16 MB; a released
     * buffer is kept and handed to the next request of its class. */
    char *a = ol__body_alloc(100000, &cap);
    CHECK(a != NULL && cap == 114688); /* 7/4 of 64 KB: below glibc's 128 KB mmap threshold */
    memset(a, 'x', cap);               /* the whole capacity is usable */
    ol__body_free(a, cap);
    CHECK(ol__body_pool_idle_bytes() == 114688);
    size_t cap2 = 0;
    char *b = ol__body_alloc(110000, &cap2);
    CHECK(b == a && cap2 == 114688);
    CHECK(ol__body_pool_idle_bytes() == 0);

    /* Another class does not take it. */
    ol__body_free(b, cap2);
    char *c = ol__body_alloc(20000, &cap);
    CHECK(c != a && cap == 20480);
    CHECK(ol__body_pool_idle_bytes() == 114688);
    ol__body_free(c, cap);

    /* Below 16 KB and above 16 MB: plain malloc, exact size, never kept. */
    char *small = ol__body_alloc(1000, &cap);
    CHECK(small != NULL && cap == 1000);
    ol__body_free(small, cap);
    char *huge = ol__body_alloc((size_t)17 << 20, &cap);
    CHECK(huge != NULL && cap == (size_t)17 << 20);
    ol__body_free(huge, cap);
    CHECK(ol__body_pool_idle_bytes() == 114688 + 20480);

    /* The class bounds: 16 KB and 16 MB are classes; every size fits its class. */
    for (size_t need = 16384; need <= ((size_t)16 << 20); need += need / 7 + 1) {
        char *p = ol__body_alloc(need, &cap);
        CHECK(p != NULL && cap >= need && cap <= need + need / 4);
        ol__body_free(p, cap);
    }
    ol__body_pool_decay(0);

    /* The idle total is capped at 1 GB: buffers beyond it are freed at once (the pages of
     * these are never touched, so this costs address space only). */
    enum { N = 80 };
    char *big[N];
    size_t caps[N];
    for (int i = 0; i < N; i++) big[i] = ol__body_alloc((size_t)16 << 20, &caps[i]);
    for (int i = 0; i < N; i++) ol__body_free(big[i], caps[i]);
    CHECK(ol__body_pool_idle_bytes() <= ((size_t)1 << 30));
    CHECK(ol__body_pool_idle_bytes() >= ((size_t)1 << 30) - ((size_t)16 << 20));

    /* Decay: buffers unused for longer than keep_ms are given back. */
    ol__body_pool_decay(60 * 1000);
    CHECK(ol__body_pool_idle_bytes() > 0); /* all were used within the last minute */
    ol__body_pool_decay(0);
    CHECK(ol__body_pool_idle_bytes() == 0);

    if (check_failures)
        fprintf(stderr, "%d checks failed\n", check_failures);
    else
        printf("body pool: all checks passed\n");
    return check_failures ? 1 : 0;
}
