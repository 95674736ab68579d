/*
 * check.h: the unit tests' few assertions. A failed check prints the file,
 * line and both values, counts the failure and carries on; main() returns
 * CHECK_EXIT() so meson sees the result. No framework to install.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        check_count++;                                                                                       \
        if (!(cond)) {                                                                                       \
            check_failures++;                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

#define CHECK_INT(got, want)                                                                                 \
    do {                                                                                                     \
        long long g_ = (long long)(got), w_ = (long long)(want);                                             \
        check_count++;                                                                                       \
        if (g_ != w_) {                                                                                      \
            check_failures++;                                                                                \
            fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_);             \
        }                                                                                                    \
    } while (0)

#define CHECK_STR(got, want)                                                                                 \
    do {                                                                                                     \
        const char *g_ = (got), *w_ = (want);                                                                \
        check_count++;                                                                                       \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                                                             \
            check_failures++;                                                                                \
            fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got,                  \
                    g_ ? g_ : "(null)", w_);                                                                 \
        }                                                                                                    \
    } while (0)

/* The whole file, NUL-terminated (tests read their SDL this way); NULL when unreadable. Caller frees. */
static inline char *check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

#define CHECK_EXIT()                                                                                         \
    (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures), check_failures == 0 ? 0 : 1)

#endif
