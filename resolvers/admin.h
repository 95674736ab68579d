/*
 * db_admin: the `gqld migrate` and `gqld seed` commands. They run once, from
 * the command line, before serving, so they use blocking libpq on purpose;
 * nothing here is ever called from an event loop.
 */
#ifndef DB_ADMIN_H
#define DB_ADMIN_H

#include <stddef.h>
#include <stdio.h>

#include "infra/build/embedded.h"

/*
 * Applies the embedded migrations (ordered by name) that schema_migrations
 * does not list, each in its own transaction, under an advisory lock so two
 * instances starting together do not race. An applied migration whose text
 * changed since is an error. Returns 0 or -1 with err set.
 */
int db_migrate(const char *conninfo, const gqld_embedded_file *migrations, FILE *out, char *err,
               size_t errlen);

/*
 * Checks that a connection string parses (URI or key=value) without
 * connecting, so a typo is a start-up error naming the setting. The message
 * never repeats the string itself: it may hold a password.
 */
int db_conninfo_check(const char *conninfo, char *err, size_t errlen);

typedef struct db_seed_sizes {
    unsigned customers;
    unsigned products;
    unsigned orders;
    unsigned items_per_order; /* the most items one order has; each has 1..this many */
} db_seed_sizes;

/* Replaces the data with the deterministic sample set (one transaction). */
int db_seed(const char *conninfo, const char *seed_sql, const db_seed_sizes *sizes, FILE *out, char *err,
            size_t errlen);

#endif
