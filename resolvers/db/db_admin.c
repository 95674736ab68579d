#include "resolvers/admin.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Any constant works; it only has to be the same for every gqld. */
enum { MIGRATION_LOCK_KEY = 0x67716c64 /* "gqld" */ };

/* "relation already exists, skipping" and the like are expected on every re-run. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_or_fail(const char *conninfo, char *err, size_t errlen)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password. */
        snprintf(err, errlen, "cannot connect to the database: %s", PQerrorMessage(conn));
        err[strcspn(err, "\n")] = '\0';
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    return conn;
}

/* Runs sql (several statements allowed when nparams is 0); 0 or -1 with err naming `what`. */
static int run(PGconn *conn, const char *what, const char *sql, int nparams, const char *const *params,
               PGresult **keep, char *err, size_t errlen)
{
    PGresult *res =
        nparams > 0 ? PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *msg = PQresultErrorMessage(res);
        snprintf(err, errlen, "%s failed: %s", what, msg && *msg ? msg : PQerrorMessage(conn));
        err[strcspn(err, "\n")] = '\0';
        PQclear(res);
        return -1;
    }
    if (keep != NULL)
        *keep = res;
    else
        PQclear(res);
    return 0;
}

static int apply_one(PGconn *conn, const gqld_embedded_file *m, const char *version, FILE *out, char *err,
                     size_t errlen)
{
    const char *params[2] = {version, m->data};
    PGresult *res;
    if (run(conn, "reading schema_migrations",
            "SELECT checksum = encode(sha256(convert_to($2, 'UTF8')), 'hex') FROM schema_migrations "
            "WHERE version = $1",
            2, params, &res, err, errlen) != 0)
        return -1;
    int found = PQntuples(res);
    bool same = found && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (found) {
        if (!same) {
            snprintf(err, errlen,
                     "migration %s was changed after it was applied: add a new migration instead", version);
            return -1;
        }
        return 0;
    }
    char what[200];
    snprintf(what, sizeof(what), "migration %s", version);
    if (run(conn, what, "BEGIN", 0, NULL, NULL, err, errlen) != 0)
        return -1;
    if (run(conn, what, m->data, 0, NULL, NULL, err, errlen) != 0 ||
        run(conn, what,
            "INSERT INTO schema_migrations (version, checksum) "
            "VALUES ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'))",
            2, params, NULL, err, errlen) != 0 ||
        run(conn, what, "COMMIT", 0, NULL, NULL, err, errlen) != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return -1;
    }
    fprintf(out, "applied migration %s\n", version);
    return 1;
}

int db_conninfo_check(const char *conninfo, char *err, size_t errlen)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
    if (opts == NULL) {
        snprintf(err, errlen, "%s", why != NULL ? why : "out of memory");
        err[strcspn(err, "\n")] = '\0';
        PQfreemem(why);
        return -1;
    }
    PQconninfoFree(opts);
    return 0;
}

int db_migrate(const char *conninfo, const gqld_embedded_file *migrations, FILE *out, char *err,
               size_t errlen)
{
    PGconn *conn = connect_or_fail(conninfo, err, errlen);
    if (conn == NULL)
        return -1;
    char lock[64];
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%d)", MIGRATION_LOCK_KEY);
    int rc = run(conn, "taking the migration lock", lock, 0, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = run(conn, "creating schema_migrations",
                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version text PRIMARY KEY,"
                 " checksum text NOT NULL,"
                 " applied_at timestamptz NOT NULL DEFAULT now())",
                 0, NULL, NULL, err, errlen);
    size_t applied = 0, total = 0;
    /* The embed list is in the order meson gives it, which is the files' numbered order. */
    for (const gqld_embedded_file *m = migrations; rc == 0 && m->name != NULL; m++, total++) {
        char version[128];
        snprintf(version, sizeof(version), "%s", m->name);
        char *dot = strrchr(version, '.');
        if (dot != NULL)
            *dot = '\0';
        int r = apply_one(conn, m, version, out, err, errlen);
        if (r < 0)
            rc = -1;
        else
            applied += (size_t)r;
    }
    if (rc == 0) {
        if (applied == 0)
            fprintf(out, "database is up to date: %zu migrations, none to apply\n", total);
        else
            fprintf(out, "applied %zu of %zu migrations\n", applied, total);
    }
    PQfinish(conn); /* ends the session, which releases the advisory lock */
    return rc;
}

int db_seed(const char *conninfo, const char *seed_sql, const db_seed_sizes *sizes, FILE *out, char *err,
            size_t errlen)
{
    PGconn *conn = connect_or_fail(conninfo, err, errlen);
    if (conn == NULL)
        return -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char settings[256];
    snprintf(settings, sizeof(settings),
             "SET LOCAL gqld.customers = '%u'; SET LOCAL gqld.products = '%u'; "
             "SET LOCAL gqld.orders = '%u'; SET LOCAL gqld.items_per_order = '%u'",
             sizes->customers, sizes->products, sizes->orders, sizes->items_per_order);
    PGresult *counts = NULL;
    int rc = run(conn, "seed", "BEGIN", 0, NULL, NULL, err, errlen);
    if (rc == 0 && (run(conn, "seed", settings, 0, NULL, NULL, err, errlen) != 0 ||
                    run(conn, "seed", seed_sql, 0, NULL, NULL, err, errlen) != 0 ||
                    run(conn, "seed", "COMMIT", 0, NULL, NULL, err, errlen) != 0)) {
        PQclear(PQexec(conn, "ROLLBACK"));
        rc = -1;
    }
    if (rc == 0)
        rc = run(conn, "counting seeded rows",
                 "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM products), "
                 "(SELECT count(*) FROM orders), (SELECT count(*) FROM order_items)",
                 0, NULL, &counts, err, errlen);
    if (rc == 0) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(out, "seeded %s customers, %s products, %s orders, %s order items in %.1f s\n",
                PQgetvalue(counts, 0, 0), PQgetvalue(counts, 0, 1), PQgetvalue(counts, 0, 2),
                PQgetvalue(counts, 0, 3), secs);
        PQclear(counts);
    }
    PQfinish(conn);
    return rc;
}
