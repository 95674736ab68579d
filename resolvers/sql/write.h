/*
 * write: one Mutation field into its write. Every rule that needs no database
 * is checked here, before anything is sent (who may write, the idempotency
 * key, the order's lines, a product's new values), and a refusal is a field
 * error at the field's path with an extensions.code and, where the offending
 * value is in the arguments, extensions.inputPath. What is left makes two
 * statements for one transaction (db_pool_write): the write, and the read of
 * the field's answer (plan.h's plan_written, built by sql_build), so the
 * answer is the object as committed, in the selection's shape.
 *
 * The writes (values are always parameters):
 *   placeOrder     SELECT gqld_place_order(customer, key, SHA-256 of the lines,
 *                  product ids, quantities, key TTL): migration 0006's function;
 *                  the answer is the order the key names (catalog.h rs_lookup)
 *   cancelOrder    UPDATE orders SET status = 'CANCELLED' WHERE order_id = $1
 *                  [AND customer_id = <the caller>]: a repeat changes nothing
 *   updateProduct  UPDATE products SET <each field given> WHERE product_id = $1
 *
 * Pure: no I/O.
 */
#ifndef RS_WRITE_H
#define RS_WRITE_H

#include "resolvers/sql/catalog.h"
#include "resolvers/sql/plan.h"
#include "schema/base/arena.h"
#include "schema/gql_errors.h"
#include "schema/gql_exec.h"

/* The bounds of a write (README "Placing orders"). */
typedef struct rs_write_limits {
    unsigned max_lines;    /* lines one order may have (GQLD_ORDER_MAX_LINES) */
    unsigned max_quantity; /* units one line may order (GQLD_ORDER_MAX_QUANTITY) */
    unsigned key_ttl_s;    /* seconds an idempotency key keeps its order (GQLD_IDEMPOTENCY_KEY_TTL) */
} rs_write_limits;

/* The longest idempotency key, in bytes (the column's CHECK says the same). */
enum { RS_IDEMPOTENCY_KEY_MAX = 128 };

typedef struct rs_write {
    const rs_mutation *mutation;
    const char *sql; /* the write */
    const char **params;
    unsigned nparams;
    rs_plan read; /* the answer, read after the write in its transaction (read.sql set) */
    /* what the answers to failures name */
    const char *customer_id;       /* placeOrder: whose order */
    bool customer_named;           /* ... given in the input (else the caller's own) */
    const gql_value *const *lines; /* placeOrder: each line's productId value */
    size_t nlines;
    const char *key_value; /* cancelOrder, updateProduct: the id */
} rs_write;

typedef enum rs_write_status {
    RS_WRITE_SEND,          /* send out->sql, then out->read.sql, as one transaction */
    RS_WRITE_REFUSED,       /* nothing to send: an error is recorded at the path */
    RS_WRITE_REQUEST_ERROR, /* the answer's selection broke a limit: in pc->request_errors */
} rs_write_status;

rs_write_status write_plan(const rs_plan_ctx *pc, const rs_write_limits *limits, const gql_field_group *group,
                           const rs_mutation *mutation, const gql_path *path, rs_write *out);

/*
 * Why a write the database refused failed, as the client is told: the SQLSTATEs
 * of gqld_place_order (GQ001 IDEMPOTENCY_CONFLICT, GQ002 no such customer,
 * GQ003 no such product, DETAIL its line) with their input paths. The code,
 * or NULL when sqlstate is none of them (an internal error).
 */
const char *write_refusal(const rs_write *w, const char *sqlstate, const char *detail, base_arena *arena,
                          const char **message, const gql_path **input_path);

/* A write that found no row to answer with (cancelOrder, updateProduct): the code, message and input path. */
const char *write_not_found(const rs_write *w, base_arena *arena, const char **message,
                            const gql_path **input_path);

/*
 * Deletes idempotency keys older than $1 seconds, at most RS_KEY_PURGE_BATCH
 * of them (found through the BRIN index on created_at); its one row is how many. An
 * expired key already counts as absent (gqld_place_order claims it again):
 * the purge only keeps the table to about a TTL's worth of orders.
 */
enum { RS_KEY_PURGE_BATCH = 10000 };
extern const char write_key_purge_sql[];

#endif
