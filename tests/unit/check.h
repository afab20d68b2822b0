/* check.h: a minimal test harness for the cbps host unit tests. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond)                                                          \
            check_passed++;                                                \
        else {                                                             \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__,     \
                    #cond);                                                \
        }                                                                  \
    } while (0)

/* The closing line CI reads: "NAME: N passed, N failed". */
static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}
#endif
