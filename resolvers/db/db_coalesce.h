/*
 * db_coalesce: queries with the same statement text, asked during one turn of
 * the event loop, become ONE statement over all their parameter lists.
 *
 * Why: under load the database's cost is mostly per statement (parse-free
 * execution of a prepared statement still pays executor start-up, a snapshot,
 * a network message and a result per statement), not per row. Measured with
 * pgbench on this project's own Product lookup: 16 lookups in one statement
 * read 3.75 times the rows per second of 16 statements; the nested Order read
 * gains 1.5-1.7 times. A read-heavy server answers many requests of the same
 * shape at once (the statement text depends only on the query's shape:
 * sql_build.h), so the gain is there exactly when the load is.
 *
 * How: queries are held until the end of the loop's current turn (a 0 ms
 * timer; the pool itself only sends then). For each statement text, the
 * distinct parameter lists are numbered 1..n (identical ones are asked once
 * and the answer is shared: two requests for the same product in the same
 * instant get the same row), and, when there are several, sent as
 *
 *   SELECT b.gqld_n, r.* FROM unnest((SELECT $1::text[]), ...) WITH ORDINALITY AS b(p1, ..., pk, gqld_n)
 *   CROSS JOIN LATERAL (<the statement, with $i written b.pi>) r ORDER BY b.gqld_n
 *
 * Each query then sees exactly the rows its own statement would have
 * returned (db_result's row window; none for an object that does not exist),
 * in its statement's order: the lateral join makes PostgreSQL walk the lists
 * in a nested loop, in order, so the ORDER BY costs no sort that could
 * shuffle a list's rows (gqld's root statements return one row at most).
 * A lone parameter list is sent as the original statement, unchanged, so a
 * server that is not busy sends what it always did.
 *
 * Isolation: when the shared statement fails as a query (a neighbour's
 * parameter the server rejects, for one), every parameter list is run again on
 * its own, so each query gets the answer it would have had alone. Timeouts,
 * a lost connection and a full queue are answered to every query of the
 * statement as they are (running a slow statement again piecemeal would only
 * add load when the database is already struggling).
 *
 * Only for statements that read (running one statement once for two callers
 * must not change what they see) and whose parameters are all written with a
 * cast ($n::type), as sql_build writes them; others are sent one by one.
 */
#ifndef DB_COALESCE_H
#define DB_COALESCE_H

#include <stdint.h>

#include "resolvers/db/db_pool.h"

typedef struct db_coalesce db_coalesce;

/*
 * Folds at most `max` distinct parameter lists into one statement; max <= 1
 * sends every query on its own at once (db_coalesce_query is then
 * db_pool_query).
 */
db_coalesce *db_coalesce_create(db_pool *pool, h2o_loop_t *loop, unsigned max);

/*
 * Answers the queries it still holds with DB_ERR_SHUTDOWN and frees it. Call it
 * after db_pool_destroy (which answers the statements in flight, through this).
 */
void db_coalesce_destroy(db_coalesce *c);

/*
 * As db_pool_query: the callback runs exactly once, later, from the loop;
 * `sql` and `params` stay valid until it has. -1 only when out of memory
 * (then no callback).
 */
int db_coalesce_query(db_coalesce *c, const char *sql, int nparams, const char *const *params, db_callback cb,
                      void *ctx);

void db_coalesce_get_stats(const db_coalesce *c, db_coalesce_stats *out);

#endif
