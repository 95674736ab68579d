/*
 * gqld: a GraphQL API server for a read-heavy e-commerce data set.
 *
 *   gqld [serve]   serve HTTP (the default)
 *   gqld migrate   apply the database migrations
 *   gqld seed      load the deterministic sample data
 *   gqld authorizer  answer one API Gateway authorizer event (stdin -> stdout)
 *
 * Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/auth/authorizer.h"
#include "cache/cache_key.h"
#include "cache/cache_shared.h"
#include "server/config.h"
#include "resolvers/admin.h"
#include "infra/build/embedded.h"
#include "schema/gql_cost.h"
#include "schema/gql_schema.h"
#include "gqld_version.h"
#include "server/healthcheck.h"
#include "server/http_server.h"
#include "server/lambda/lambda.h"
#include "server/log.h"

extern const gqld_embedded_file gqld_migrations[];
extern const gqld_embedded_file gqld_seed[];
extern const gqld_embedded_file gqld_sdl[];

enum { EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: gqld [serve|migrate|seed|authorizer|healthcheck] [flags]\n"
            "       gqld --help | --version\n\n"
            "Commands:\n"
            "  serve     serve GraphQL over HTTP on GQLD_LISTEN (default command)\n"
            "  migrate   apply the migrations in infra/db/migrations (built in) to DATABASE_URL\n"
            "  seed      replace the data in DATABASE_URL with the deterministic sample set\n"
            "            --customers N (1000) --products N (5000) --orders N (10000)\n"
            "            --items-per-order N (9, each order gets 1..N) --scale N (multiplies all)\n"
            "  authorizer  one API Gateway authorizer event: JSON on stdin, the answer on stdout\n"
            "            (exit 1: \"Unauthorized\", the Lambda error; exit 2: a malformed event)\n"
            "  healthcheck  GET /healthz on GQLD_LISTEN; exit 0 when it answers 200 (container checks)\n"
            "\n"
            "Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) serve takes API Gateway events from the\n"
            "Runtime API instead of listening; with _HANDLER=authorizer it answers authorizer events.\n\n");
    config_print_help(out);
}

static int fail_usage(const char *msg)
{
    fprintf(stderr, "gqld: %s (see gqld --help)\n", msg);
    return EXIT_USAGE;
}

static int require_database(const gqld_config *cfg)
{
    if (cfg->database_url == NULL || cfg->database_url[0] == '\0') {
        fprintf(stderr, "gqld: DATABASE_URL is not set: give a libpq URI or conninfo, e.g. "
                        "postgresql://user@127.0.0.1:5432/gqld (or --database-url)\n");
        return -1;
    }
    char err[256];
    if (db_conninfo_check(cfg->database_url, err, sizeof(err)) != 0) {
        fprintf(stderr, "gqld: invalid DATABASE_URL: %s\n", err);
        return -1;
    }
    if (cfg->database_reader_url[0] != '\0' &&
        db_conninfo_check(cfg->database_reader_url, err, sizeof(err)) != 0) {
        fprintf(stderr, "gqld: invalid DATABASE_READER_URL: %s\n", err);
        return -1;
    }
    return 0;
}

static int parse_count(const char *flag, const char *value, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v = value ? strtoul(value, &end, 10) : 0;
    if (value == NULL || *value == '\0' || *end != '\0' || v < 1 || v > max) {
        fprintf(stderr, "gqld: seed %s needs a whole number from 1 to %u\n", flag, max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int cmd_seed(const gqld_config *cfg, int argc, char **argv)
{
    db_seed_sizes sizes = {1000, 5000, 10000, 9};
    unsigned scale = 1;
    for (int i = 0; i < argc; i++) {
        const char *flag = argv[i], *eq = strchr(flag, '=');
        char name[32];
        snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - flag) : (int)strlen(flag), flag);
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        unsigned *slot = strcmp(name, "--customers") == 0         ? &sizes.customers
                         : strcmp(name, "--products") == 0        ? &sizes.products
                         : strcmp(name, "--orders") == 0          ? &sizes.orders
                         : strcmp(name, "--items-per-order") == 0 ? &sizes.items_per_order
                         : strcmp(name, "--scale") == 0           ? &scale
                                                                  : NULL;
        if (slot == NULL) {
            char msg[96];
            snprintf(msg, sizeof(msg), "unknown seed flag %s", name);
            return fail_usage(msg);
        }
        if (parse_count(name, value, slot == &sizes.items_per_order ? 100 : 100000000, slot) != 0)
            return EXIT_USAGE;
    }
    sizes.customers *= scale;
    sizes.products *= scale;
    sizes.orders *= scale;
    char err[1024];
    if (db_seed(cfg->database_url, gqld_seed[0].data, &sizes, stdout, err, sizeof(err)) != 0) {
        fprintf(stderr, "gqld seed: %s\n", err);
        return 1;
    }
    return 0;
}

/* The Lambda authorizer without the Lambda runtime: one event on stdin, the answer on stdout. */
static int cmd_authorizer(const gqld_config *cfg)
{
    char err[512];
    gqld_authorizer *a = gqld_authorizer_create(cfg, err, sizeof(err));
    if (a == NULL) {
        fprintf(stderr, "gqld authorizer: %s\n", err);
        return EXIT_USAGE;
    }
    size_t cap = 1u << 20, len = 0, n;
    char *event = malloc(cap + 1);
    while (event != NULL && len <= cap && (n = fread(event + len, 1, cap + 1 - len, stdin)) > 0)
        len += n;
    char *out = NULL;
    int rc = event == NULL ? -1 : gqld_authorizer_handle(a, event, len, &out);
    if (rc == 0)
        printf("%s\n", out);
    else if (rc == 1)
        printf("Unauthorized\n");
    else
        fprintf(stderr, "gqld authorizer: %s\n", out != NULL ? out : "out of memory");
    free(out);
    free(event);
    gqld_authorizer_destroy(a);
    return rc == 0 ? 0 : rc == 1 ? 1 : EXIT_USAGE;
}

static void log_db_error(const char *code, const char *detail)
{
    log_event("error", "database error", "code", code, "detail", detail, NULL);
}

static void log_cache(const char *level, const char *msg, const char *detail)
{
    log_event(level, msg, "detail", detail, NULL);
}

/* The response cache's process-wide part (memcached nodes, discovery, counters); NULL on failure. */
static cache_shared *start_cache(const gqld_config *cfg, rs_cache_config *out, char *schema_version)
{
    cache_settings settings = {
        .servers = cfg->memcached_servers,
        .discovery = cfg->memcached_discovery,
        .discovery_interval_ms = cfg->memcached_discovery_interval_ms,
        .connect_timeout_ms = cfg->memcached_connect_timeout_ms,
        .poll_timeout_ms = cfg->memcached_poll_timeout_ms,
        .retry_timeout_s = cfg->memcached_retry_timeout_s,
        .log = log_cache,
    };
    char err[256];
    cache_shared *shared = cache_shared_create(&settings, err, sizeof(err));
    if (shared == NULL) {
        log_event("error", "cannot start the cache", "detail", err, NULL);
        return NULL;
    }
    /* The schema version is the SDL the binary was built with: a new schema never reads old entries. */
    uint8_t digest[CACHE_KEY_BYTES];
    cache_sha256(gqld_sdl[0].data, gqld_sdl[0].len, digest);
    cache_key_hex(digest, schema_version);
    *out = (rs_cache_config){
        .responses = cfg->cache,
        .shared = shared,
        .local_bytes = cfg->cache_local_bytes,
        .local_ttl_ms = cfg->cache_local_ttl_ms,
        .requests = cfg->cache_requests,
        .default_max_age = cfg->cache_default_max_age,
        .stale_grace = cfg->cache_stale_grace,
        .apq_ttl = cfg->apq_ttl,
        .prefix = cfg->cache_prefix,
        .schema_version = schema_version,
    };
    return shared;
}

static int cmd_serve(const gqld_config *cfg)
{
    char err[512];
    gql_schema *schema =
        gql_schema_load(gqld_sdl[0].data, gqld_sdl[0].len, "schema.graphql", err, sizeof(err));
    if (schema == NULL) {
        log_event("error", "invalid schema", "detail", err, NULL);
        return 1;
    }
    rs_engine engine = {
        .schema = schema,
        .limits =
            {
                .max_query_bytes = cfg->max_query_bytes,
                .max_tokens = cfg->max_tokens,
                .max_depth = 64,
                .document = {.max_depth = cfg->max_depth,
                             .max_aliases = cfg->max_aliases,
                             .max_fields = cfg->max_fields,
                             .max_root_fields = cfg->max_root_fields,
                             .max_operations = cfg->max_operations},
                .max_arena_bytes = 16u << 20,
                .doc_cache_entries = cfg->doc_cache_entries,
                .doc_cache_bytes = cfg->doc_cache_bytes,
                .list_default = cfg->list_default,
                .list_max = cfg->list_max,
                .max_cost = (double)cfg->max_cost,
            },
        .writes = {.max_lines = cfg->order_max_lines,
                   .max_quantity = cfg->order_max_quantity,
                   .key_ttl_s = cfg->idempotency_key_ttl},
        .introspection = cfg->introspection,
        .suggestions = cfg->suggestions,
        .cost_report = cfg->cost_report,
        .db_coalesce = cfg->db_coalesce,
        .auth_mode = cfg->auth_mode == GQLD_AUTH_NONE ? RS_AUTH_NONE : RS_AUTH_JWT,
        .log_error = log_db_error,
    };
    /* The cost directives as the specification says they must be used (a typo would misprice queries). */
    if (gql_cost_check_schema(schema, err, sizeof(err)) != 0) {
        log_event("error", "invalid cost directives in the schema", "detail", err, NULL);
        gql_schema_free(schema);
        return 1;
    }
    if (rs_engine_check(&engine, err, sizeof(err)) != 0) {
        log_event("error", "schema and resolvers disagree", "detail", err, NULL);
        gql_schema_free(schema);
        return 1;
    }
    char schema_version[2 * CACHE_KEY_BYTES + 1];
    cache_shared *cache = start_cache(cfg, &engine.cache, schema_version);
    if (cache == NULL) {
        gql_schema_free(schema);
        return 1;
    }
    if (cfg->auth_mode == GQLD_AUTH_NONE)
        log_event("warn",
                  "AUTH_MODE=none: every request is treated as an admin and sees every customer's "
                  "data; for development only, never in production",
                  NULL);
    int status = lambda_runtime_active() ? lambda_serve(cfg, &engine) : http_server_run(cfg, &engine);
    cache_shared_destroy(cache);
    gql_schema_free(schema);
    return status;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "version") == 0) {
            printf("gqld %s\n", GQLD_VERSION);
            return 0;
        }
    }
    gqld_config cfg;
    char err[512];
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    int nrest = 0;
    if (rest == NULL)
        return 1;
    if (config_load(&cfg, argc, argv, rest, &nrest, err, sizeof(err)) != 0) {
        fprintf(stderr, "gqld: %s\n", err);
        lambda_init_error("Gqld.InvalidConfig", err);
        free(rest);
        return EXIT_USAGE;
    }
    log_set_level((log_level)cfg.log_level);
    const char *command = nrest > 0 && rest[0][0] != '-' ? rest[0] : "serve";
    int first_arg = nrest > 0 && rest[0][0] != '-' ? 1 : 0;
    int status;
    if (lambda_runtime_active() && lambda_handler_is_authorizer() && nrest == 0) {
        status = lambda_authorizer_run(&cfg);
    } else if (strcmp(command, "serve") == 0 || strcmp(command, "migrate") == 0) {
        if (nrest > first_arg) {
            snprintf(err, sizeof(err), "unknown argument %s", rest[first_arg]);
            status = fail_usage(err);
        } else if (require_database(&cfg) != 0) {
            lambda_init_error("Gqld.InvalidConfig", "DATABASE_URL is missing or invalid (see the log)");
            status = EXIT_USAGE;
        } else if (command[0] == 's') {
            cfg.auth = gqld_auth_create(&cfg, err, sizeof(err));
            status = cfg.auth == NULL ? fail_usage(err) : cmd_serve(&cfg);
            gqld_auth_destroy(cfg.auth);
        } else {
            status = db_migrate(cfg.database_url, gqld_migrations, stdout, err, sizeof(err)) == 0 ? 0 : 1;
            if (status != 0)
                fprintf(stderr, "gqld migrate: %s\n", err);
        }
    } else if (strcmp(command, "healthcheck") == 0) {
        status = nrest > first_arg ? fail_usage("healthcheck takes no arguments") : healthcheck_run(&cfg);
    } else if (strcmp(command, "authorizer") == 0) {
        status = nrest > first_arg ? fail_usage("gqld authorizer takes no arguments") : cmd_authorizer(&cfg);
    } else if (strcmp(command, "seed") == 0) {
        status = require_database(&cfg) != 0 ? EXIT_USAGE : cmd_seed(&cfg, nrest - 1, rest + 1);
    } else {
        snprintf(err, sizeof(err), "unknown command %s", command);
        status = fail_usage(err);
    }
    free(rest);
    return status;
}
