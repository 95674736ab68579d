/*
 * sql_build: a plan (plan.h) -> the text of ONE statement that returns the
 * root field's whole value as JSON text, in the exact shape of the response.
 *
 * Why one statement per root field, built by PostgreSQL as JSON (the Hasura
 * and PostGraphile approach) rather than one batched statement per level:
 * - one round trip whatever the depth: latency does not grow with nesting,
 *   and the statement count depends on the query's shape, never on the rows
 *   (no N+1, and no "one per level" either);
 * - the nested rows never cross the wire as rows to be matched up in C: each
 *   level is a LATERAL subquery over the index of its foreign key, whose
 *   LIMIT stops its children's reads at the last row it returns, and the JSON
 *   is assembled by PostgreSQL's C functions next to the data;
 * - the executor splices the text into the response as it is.
 *
 * The JSON is compact and byte-stable: objects are concatenated text with the
 * response keys (aliases included) in query order as literals, values written
 * per rs_format (to_json for strings, numbers as PostgreSQL prints them, bigint
 * ids as JSON strings, timestamps with an explicit UTC format), lists as
 * '[' || array_to_string(ARRAY(SELECT ... ORDER BY ... LIMIT $k), ',') || ']'
 * (rows in their index's order, never sorted again), a missing object as
 * null. Shapes of a plan become statement text; values are always
 * parameters ($n, numbered by the plan), so the text depends only on the
 * query's shape and prepared statements are reused. Response keys and type
 * names are GraphQL names ([_A-Za-z][_0-9A-Za-z]*, checked again here); they
 * are written as JSON strings inside SQL string literals.
 *
 * Shape of the statement (Order(customerId) { orderId items { product { price } } }):
 *
 *   SELECT '[' || array_to_string(ARRAY(
 *     SELECT '{"orderId":"' || t0.order_id::text || '","items":' || j1.j || '}'
 *     FROM orders t0
 *     CROSS JOIN LATERAL (SELECT '[' || array_to_string(ARRAY(
 *       SELECT '{"product":' || coalesce(j2.j, 'null') || '}'
 *       FROM order_items t1
 *       LEFT JOIN LATERAL (SELECT '{"price":' || t2.price::text || '}' AS j
 *                          FROM (SELECT t2.price FROM products t2
 *                                WHERE t2.product_id = t1.product_id) t2) j2 ON true
 *       WHERE t1.order_id = t0.order_id
 *       ORDER BY t1.order_id, t1.order_item_id LIMIT $3::integer), ',') || ']' AS j) j1
 *     WHERE t0.customer_id = $1::bigint
 *     ORDER BY t0.created_at DESC, t0.order_id DESC LIMIT $2::integer), ',') || ']'
 */
#ifndef RS_SQL_BUILD_H
#define RS_SQL_BUILD_H

#include "schema/base/arena.h"
#include "resolvers/sql/plan.h"

/* Sets plan->sql (in the arena). 0, or -1 when out of memory or a name is not a GraphQL name. */
int sql_build(rs_plan *plan, base_arena *arena);

#endif
