/*
 * "Did you mean ...?": graphql-js's suggestionList (a Damerau-Levenshtein
 * distance where a change of case alone counts as one edit, options within
 * 40% of the input's length, closest first, ties in natural order) and its
 * didYouMean formatting (at most five, "a, b, or c").
 *
 * JavaScript measures strings in UTF-16 code units and lowercases all of
 * Unicode; names are ASCII, and for the rare non-ASCII input (an enum position
 * given a string) we compare code units and lowercase ASCII only.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/validate/validate_internal.h"

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

int gqlv_natural_compare(const char *a, const char *b)
{
    size_t ai = 0, bi = 0, alen = strlen(a), blen = strlen(b);
    while (ai < alen && bi < blen) {
        int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (is_digit(ac) && is_digit(bc)) {
            /* As graphql-js: a number ends after a leading 0 ("a01" reads as a, 0, 1). */
            double an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + ac - '0';
                ac = ai < alen ? (unsigned char)a[ai] : 0;
            } while (is_digit(ac) && an > 0);
            do {
                ++bi;
                bn = bn * 10 + bc - '0';
                bc = bi < blen ? (unsigned char)b[bi] : 0;
            } while (is_digit(bc) && bn > 0);
            if (an < bn)
                return -1;
            if (an > bn)
                return 1;
        } else {
            if (ac != bc)
                return ac < bc ? -1 : 1;
            ++ai;
            ++bi;
        }
    }
    return alen < blen ? -1 : alen > blen;
}

/* UTF-8 to UTF-16 code units, ASCII lowercased; returns the count (n units written to out). */
static size_t to_units(const char *s, uint16_t *out, bool lower)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        uint32_t c = *p++;
        if (c >= 0xc0) {
            int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
            c &= extra == 3 ? 0x07 : extra == 2 ? 0x0f : 0x1f;
            for (int i = 0; i < extra && (*p & 0xc0) == 0x80; i++)
                c = (c << 6) | (*p++ & 0x3f);
        }
        if (lower && c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c >= 0x10000) {
            c -= 0x10000;
            out[n++] = (uint16_t)(0xd800 + (c >> 10));
            out[n++] = (uint16_t)(0xdc00 + (c & 0x3ff));
        } else {
            out[n++] = (uint16_t)c;
        }
    }
    return n;
}

typedef struct distance {
    const uint16_t *input; /* lowercased */
    size_t input_len;
    const char *input_text;
    int *rows[3];
} distance;

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* LexicalDistance.measure: the distance, or -1 when over the threshold. */
static long measure(distance *d, const char *option, uint16_t *scratch, size_t threshold)
{
    if (strcmp(d->input_text, option) == 0)
        return 0;
    size_t olen = to_units(option, scratch, true);
    if (olen == d->input_len && memcmp(scratch, d->input, olen * sizeof(uint16_t)) == 0)
        return 1;
    const uint16_t *a = scratch, *b = d->input;
    size_t alen = olen, blen = d->input_len;
    if (alen < blen) {
        const uint16_t *t = a;
        a = b;
        b = t;
        size_t tl = alen;
        alen = blen;
        blen = tl;
    }
    if (alen - blen > threshold)
        return -1;
    int **rows = d->rows;
    for (size_t j = 0; j <= blen; j++)
        rows[0][j] = (int)j;
    for (size_t i = 1; i <= alen; i++) {
        int *up = rows[(i - 1) % 3];
        int *cur = rows[i % 3];
        size_t smallest = (size_t)(cur[0] = (int)i);
        for (size_t j = 1; j <= blen; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t cell = min3((size_t)up[j] + 1, (size_t)cur[j - 1] + 1, (size_t)up[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                size_t dd = (size_t)rows[(i - 2) % 3][j - 2] + 1;
                if (dd < cell)
                    cell = dd;
            }
            if (cell < smallest)
                smallest = cell;
            cur[j] = (int)cell;
        }
        if (smallest > threshold)
            return -1;
    }
    size_t dist = (size_t)rows[alen % 3][blen];
    return dist <= threshold ? (long)dist : -1;
}

typedef struct candidate {
    const char *option;
    long distance;
} candidate;

static int compare_candidates(const void *a, const void *b)
{
    const candidate *ca = a, *cb = b;
    if (ca->distance != cb->distance)
        return ca->distance < cb->distance ? -1 : 1;
    return gqlv_natural_compare(ca->option, cb->option);
}

size_t gqlv_suggestions(gqlv_ctx *ctx, const char *input, const char *const *options, size_t noptions,
                        const char ***out)
{
    *out = NULL;
    if (noptions == 0 || ctx->no_suggestions)
        return 0;
    size_t in_bytes = strlen(input), longest = 0;
    for (size_t i = 0; i < noptions; i++) {
        size_t l = strlen(options[i]);
        longest = l > longest ? l : longest;
    }
    size_t cap = (in_bytes > longest ? in_bytes : longest) * 2 + 2;
    distance d = {.input_text = input};
    uint16_t *in_units = base_arena_alloc(ctx->arena, cap * sizeof(uint16_t));
    uint16_t *scratch = base_arena_alloc(ctx->arena, cap * sizeof(uint16_t));
    candidate *found = base_arena_alloc(ctx->arena, noptions * sizeof(*found));
    for (int r = 0; r < 3; r++)
        d.rows[r] = base_arena_alloc(ctx->arena, (cap + 1) * sizeof(int));
    if (in_units == NULL || scratch == NULL || found == NULL || d.rows[0] == NULL || d.rows[1] == NULL ||
        d.rows[2] == NULL) {
        gqlv_oom(ctx);
        return 0;
    }
    d.input = in_units;
    d.input_len = to_units(input, in_units, true);
    /* The input's length in JavaScript terms: code units of the original (not lowercased) text. */
    size_t threshold = d.input_len * 2 / 5 + 1;
    size_t n = 0;
    for (size_t i = 0; i < noptions; i++) {
        bool seen = false; /* options arrive as object keys in graphql-js: each once */
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(found[j].option, options[i]) == 0;
        if (seen)
            continue;
        long dist = measure(&d, options[i], scratch, threshold);
        if (dist >= 0)
            found[n++] = (candidate){options[i], dist};
    }
    qsort(found, n, sizeof(*found), compare_candidates);
    const char **list = base_arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*list));
    if (list == NULL) {
        gqlv_oom(ctx);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        list[i] = found[i].option;
    *out = list;
    return n;
}

void gqlv_did_you_mean(gqlv_str *s, const char *sub, const char *const *suggestions, size_t n)
{
    if (n == 0)
        return;
    gqlv_str_puts(s, " Did you mean ");
    if (sub != NULL) {
        gqlv_str_puts(s, sub);
        gqlv_str_puts(s, " ");
    }
    if (n == 1) {
        gqlv_str_printf(s, "\"%s\"?", suggestions[0]);
        return;
    }
    if (n == 2) {
        gqlv_str_printf(s, "\"%s\" or \"%s\"?", suggestions[0], suggestions[1]);
        return;
    }
    if (n > 5)
        n = 5;
    for (size_t i = 0; i + 1 < n; i++)
        gqlv_str_printf(s, "\"%s\", ", suggestions[i]);
    gqlv_str_printf(s, "or \"%s\"?", suggestions[n - 1]);
}
