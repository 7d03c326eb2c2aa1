/*
 * pt_test.h -- the smallest TAP producer that does the job.
 *
 * Each test program calls PT_OK/PT_IS_STR and ends with `return
 * pt_test_done();`, which prints the plan and exits non-zero when any check
 * failed, so automake's test harness and a person reading the log agree.
 */
#ifndef PT_TEST_H
#define PT_TEST_H

#include <stdio.h>
#include <string.h>

static int pt_test_n;
static int pt_test_failed;

#define PT_OK(cond, ...)                                                   \
    do {                                                                   \
        int pt_c_ = (cond) ? 1 : 0;     /* evaluated once */               \
        ++pt_test_n;                                                       \
        if (pt_c_) {                                                       \
            printf("ok %d - ", pt_test_n);                                 \
        }                                                                  \
        else {                                                             \
            ++pt_test_failed;                                              \
            printf("not ok %d - ", pt_test_n);                             \
        }                                                                  \
        printf(__VA_ARGS__);                                               \
        printf("\n");                                                      \
        if (!pt_c_) {                                                      \
            printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

#define PT_IS_STR(got, want, ...)                                          \
    do {                                                                   \
        const char *pt_g_ = (got), *pt_w_ = (want);                        \
        int pt_eq_ = (pt_g_ && pt_w_) ? !strcmp(pt_g_, pt_w_)              \
                                      : (pt_g_ == pt_w_);                  \
        PT_OK(pt_eq_, __VA_ARGS__);                                        \
        if (!pt_eq_) {                                                     \
            printf("#   got:      '%s'\n#   expected: '%s'\n",            \
                   pt_g_ ? pt_g_ : "(null)", pt_w_ ? pt_w_ : "(null)");    \
        }                                                                  \
    } while (0)

static int pt_test_done(void)
{
    printf("1..%d\n", pt_test_n);
    if (pt_test_failed) {
        printf("# %d of %d checks failed\n", pt_test_failed, pt_test_n);
    }
    return pt_test_failed ? 1 : 0;
}

#endif /* PT_TEST_H */
