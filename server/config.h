/*
 * config: every setting of gqld, read once at start-up from the environment
 * and overridden by command-line flags, into a plain struct the hot path only
 * reads. One table (config.c) drives defaults, parsing, validation and --help,
 * so a setting cannot exist without its documentation.
 */
#ifndef GQLD_CONFIG_H
#define GQLD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Who a request runs as: see AUTH_MODE in config.c. */
typedef enum gqld_auth_mode {
    GQLD_AUTH_JWT,     /* the default: the request's bearer token decides (none: anonymous) */
    GQLD_AUTH_NONE,    /* development only: every request is an admin */
    GQLD_AUTH_GATEWAY, /* behind API Gateway: the authorizer's answer, forwarded in headers, decides */
} gqld_auth_mode;

struct gqld_auth;

/* How statements reach the database: see DB_PROTOCOL in config.c. */
typedef enum gqld_db_protocol {
    GQLD_DB_PREPARED, /* named prepared statements, statement_timeout in the startup packet */
    GQLD_DB_PROXY,    /* no session state: unnamed statements, no startup options (RDS Proxy) */
} gqld_db_protocol;

/* A rate limit budget (GQLD_RATE_LIMIT_*): cost points per second and the most a caller may spend at once. */
typedef struct gqld_rate {
    unsigned rate;  /* points per second; 0: no limit */
    unsigned burst; /* points a caller may spend at once (default: 2 s of rate) */
} gqld_rate;

/* GQLD_TRUSTED_DOCUMENTS_MODE. */
typedef enum gqld_trust_mode {
    GQLD_TRUST_OFF,     /* documentId refused, other requests as usual */
    GQLD_TRUST_ALLOW,   /* manifest documents by id, and any other text too */
    GQLD_TRUST_ENFORCE, /* only manifest documents run */
} gqld_trust_mode;

typedef struct gqld_config {
    /* Ordered by size (pointers and sizes, numbers, flags) so that the struct packs; see config.c for what
     * each is. */
    const char *database_url;
    const char *database_reader_url;
    const char *memcached_servers;
    size_t max_body_bytes;
    size_t max_query_bytes;
    size_t max_variables_bytes;
    size_t doc_cache_bytes;
    const char *cors_origins;        /* "" (CORS off), "*", or comma-separated origins */
    size_t cache_local_bytes;        /* in-process tier per thread; 0 turns it off */
    const char *cache_prefix;        /* first part of every key */
    const char *memcached_discovery; /* ElastiCache configuration endpoint host:port, or "" */
    const char *tls_cert;            /* PEM certificate chain; "" = plain HTTP */
    const char *tls_key;             /* PEM private key; set together with tls_cert */
    const char *emf_namespace;       /* CloudWatch namespace of the EMF metrics */
    const char *jwt_algorithms;      /* "RS256,ES256,HS256" (any of them) */
    const char *jwt_jwks_file;       /* "" when none */
    const char *jwt_jwks_url;        /* "" when none */
    const char *jwt_jwks_ca_file;    /* CA bundle for an https JWKS URL; "" = libcurl's default */
    const char *jwt_hs256_secret_file;
    const char *jwt_issuer;            /* "" when not checked */
    const char *jwt_audience;          /* comma-separated; "" when not checked */
    const char *jwt_cognito_token_use; /* "access", "id" or "access,id" */
    const char *jwt_required_scopes;   /* "Type=scope ..." */
    const char *jwt_groups_claim;
    const char *jwt_customer_id_claim;
    const char *auth_admin_group;
    const char *trusted_proxies;   /* CIDR list (GQLD_TRUSTED_PROXIES), "" for none */
    const char *trusted_documents; /* manifest file (GQLD_TRUSTED_DOCUMENTS), "" for none */
    size_t max_cost;               /* GQLD_MAX_COST; 0: no limit */
    const char *cursor_secret;     /* GQLD_CURSOR_SECRET: the key of cursors' MACs (resolvers/cursor_key.h) */
    struct gqld_auth *auth;        /* not a setting: built from the above at start-up (server/auth/auth.h) */
    unsigned db_pool_size;
    unsigned db_pipeline_depth;
    unsigned db_queue_max;
    unsigned db_statement_timeout_ms;
    unsigned db_connect_timeout_ms;
    gqld_db_protocol db_protocol;
    unsigned db_idle_check_ms;
    unsigned db_coalesce;
    unsigned db_write_pool_size;  /* mutations' connections per process; 0: they share the query pool */
    unsigned db_write_queue_max;  /* mutations waiting per thread */
    unsigned order_max_lines;     /* lines one placeOrder may have */
    unsigned order_max_quantity;  /* units one line may have */
    unsigned idempotency_key_ttl; /* seconds a key keeps its order */
    unsigned threads;
    unsigned drain_timeout_ms;
    unsigned max_tokens;
    unsigned max_depth;
    unsigned max_aliases;
    unsigned max_fields;
    unsigned doc_cache_entries;
    unsigned cors_max_age;
    unsigned list_default; /* `first` of a list without a default of its own */
    unsigned list_max;     /* the largest `first`, and the bound of lists without one */
    gqld_auth_mode auth_mode;
    unsigned cache_local_ttl_ms;    /* how often the in-process tier asks memcached again for an entry */
    unsigned cache_requests;        /* requests remembered per thread (raw request -> key); 0: none */
    unsigned cache_default_max_age; /* seconds, for root and object fields without a hint */
    unsigned cache_stale_grace;     /* seconds an entry outlives its maxAge for stale-if-error */
    unsigned apq_ttl;               /* seconds a persisted query text is kept */
    unsigned memcached_connect_timeout_ms;
    unsigned memcached_poll_timeout_ms;
    unsigned memcached_retry_timeout_s; /* a failed node is skipped this long */
    unsigned memcached_discovery_interval_ms;
    unsigned log_level;       /* index into "debug|info|warn|error" (log.h's log_level) */
    unsigned emf_interval_ms; /* how often an EMF line is written */
    unsigned jwt_jwks_refresh_seconds;
    unsigned jwt_jwks_min_refresh_seconds;
    unsigned jwt_leeway_seconds;
    unsigned max_root_fields; /* per operation; 0: no limit */
    unsigned max_operations;  /* per document; 0: no limit */
    gqld_rate rate_anonymous, rate_customer, rate_admin, rate_mutations;
    unsigned rate_limit_sync_ms; /* how often the limiter reconciles with memcached */
    gqld_trust_mode trusted_documents_mode;
    unsigned keepalive_timeout_ms; /* idle client connections (and slow request reads) are closed after it */
    char listen_host[256];
    char metrics_listen_host[256]; /* GQLD_METRICS_LISTEN; "" when /metrics is on the public listener */
    uint16_t listen_port;
    uint16_t metrics_listen_port;
    bool access_log;
    bool introspection;
    bool playground;
    bool cache;   /* GQLD_CACHE: response cache on */
    bool metrics; /* GET /metrics */
    bool emf;     /* CloudWatch EMF lines on stdout */
    bool jwt_cognito;
    bool cost_report;                    /* GQLD_COST_REPORT */
    bool suggestions;                    /* GQLD_SUGGESTIONS */
    bool trusted_documents_admin_exempt; /* GQLD_TRUSTED_DOCUMENTS_ADMIN_EXEMPT */
} gqld_config;

/*
 * Fills *cfg from defaults, then the environment, then argv (flags such as
 * `--listen 127.0.0.1:0` or `--listen=...`). Arguments that are not settings are
 * left in rest[] (in order) for the subcommand. Returns 0, or -1 with a
 * one-line message naming the setting in err.
 */
int config_load(gqld_config *cfg, int argc, char **argv, char **rest, int *nrest, char *err, size_t errlen);

/*
 * Steps through a GQLD_CORS_ORIGINS list (validated at start-up): the next
 * entry, blanks around it trimmed, and advances *cursor. False at the end.
 */
bool config_origin_next(const char **cursor, const char **entry, size_t *len);

/* Writes every setting with its flag, environment variable, default and meaning. */
void config_print_help(FILE *out);

#endif
