/* Files compiled into the binary by infra/build/embed.c. */
#ifndef GQLD_EMBEDDED_H
#define GQLD_EMBEDDED_H

#include <stddef.h>

typedef struct gqld_embedded_file {
    const char *name; /* as given on the embed command line; NULL ends a list */
    const char *data; /* NUL-terminated */
    size_t len;       /* without the NUL */
} gqld_embedded_file;

#endif
