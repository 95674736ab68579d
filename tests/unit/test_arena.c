#include "check.h"
#include "schema/base/arena.h"

#include <stdint.h>

int main(void)
{
    base_arena a;
    base_arena_init(&a, 0);
    /* Many small allocations span chunks and stay aligned and distinct. */
    char *prev = NULL;
    for (int i = 0; i < 10000; i++) {
        char *p = base_arena_alloc(&a, 13);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
        CHECK(p != prev);
        memset(p, 'x', 13);
        prev = p;
    }
    /* A single allocation larger than any chunk. */
    CHECK(base_arena_alloc(&a, 1 << 20) != NULL);
    CHECK_STR(base_arena_strndup(&a, "hello world", 5), "hello");
    int *z = base_arena_calloc(&a, 100, sizeof(int));
    CHECK(z != NULL && z[0] == 0 && z[99] == 0);
    /* Overflowing sizes fail instead of wrapping. */
    CHECK(base_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
    CHECK(base_arena_alloc(&a, SIZE_MAX - 3) == NULL);
    base_arena_reset(&a);
    CHECK_INT(a.total, 0);
    CHECK(base_arena_alloc(&a, 64) != NULL);
    base_arena_free(&a);

    /* The limit bounds what one request may allocate. */
    base_arena_init(&a, 1000);
    CHECK(base_arena_alloc(&a, 512) != NULL);
    CHECK(base_arena_alloc(&a, 600) == NULL);
    CHECK(base_arena_alloc(&a, 256) != NULL);
    base_arena_free(&a);
    return CHECK_EXIT();
}
