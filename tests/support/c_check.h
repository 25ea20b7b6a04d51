/* CHECK for the plain C test programs: reports a failed condition and counts it; main returns
 * non-zero when check_failures is. */
#ifndef OL_TEST_C_CHECK_H
#define OL_TEST_C_CHECK_H

#include <stdio.h>

static int check_failures;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                        \
        }                                                                            \
    } while (0)

#endif
