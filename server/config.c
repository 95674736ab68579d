#include "server/config.h"

#include "server/client_ip.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/stat.h>

typedef enum setting_kind {
    SET_STRING,
    SET_UINT,
    SET_SIZE,
    SET_BOOL,
    SET_LISTEN,
    SET_HOSTPORTS,
    SET_ORIGINS,
    SET_AUTH_MODE,
    SET_DB_PROTOCOL,
    SET_LOG_LEVEL, /* one of LOG_LEVELS, stored as its index (unsigned, log.h's log_level) */
    SET_RATE,      /* RATE or RATE:BURST (gqld_rate) */
    SET_CIDRS,     /* comma-separated CIDR blocks or addresses (server/client_ip.h) */
    SET_TRUST_MODE,
} setting_kind;

typedef struct setting {
    const char *env;  /* environment variable */
    const char *flag; /* command-line flag, without the leading "--" */
    setting_kind kind;
    size_t offset;   /* into gqld_config */
    const char *def; /* default as text, NULL = none; "" = empty */
    unsigned long long min, max;
    const char *help;
} setting;

#define LOG_LEVELS "debug|info|warn|error"

#define AT(field) offsetof(gqld_config, field)

/* The single source of every setting: parsing, validation and --help read it. */
static const setting settings[] = {
    {"GQLD_LISTEN", "listen", SET_LISTEN, AT(listen_host), "127.0.0.1:8080", 0, 0,
     "address to serve HTTP on, host:port (port 0 picks a free one)"},
    {"DATABASE_URL", "database-url", SET_STRING, AT(database_url), NULL, 0, 0,
     "PostgreSQL to read from: libpq URI or conninfo (required)"},
    {"DATABASE_READER_URL", "database-reader-url", SET_STRING, AT(database_reader_url), "", 0, 0,
     "read replica (Aurora reader endpoint); queries go there when set"},
    {"DB_POOL_SIZE", "db-pool-size", SET_UINT, AT(db_pool_size), "8", 1, 1024,
     "database connections per process, shared out among the threads"},
    {"DB_PIPELINE_DEPTH", "db-pipeline-depth", SET_UINT, AT(db_pipeline_depth), "16", 1, 1024,
     "statements in flight on one connection (libpq pipeline mode)"},
    {"DB_QUEUE_MAX", "db-queue-max", SET_UINT, AT(db_queue_max), "1024", 0, 1000000,
     "queries per thread waiting for a connection; beyond it requests get HTTP 503"},
    {"DB_STATEMENT_TIMEOUT_MS", "db-statement-timeout-ms", SET_UINT, AT(db_statement_timeout_ms), "5000", 0,
     3600000, "statement timeout in milliseconds (0 = none)"},
    {"DB_CONNECT_TIMEOUT_MS", "db-connect-timeout-ms", SET_UINT, AT(db_connect_timeout_ms), "3000", 1, 600000,
     "connection attempt timeout; also how long a query waits for a connection"},
    {"DB_PROTOCOL", "db-protocol", SET_DB_PROTOCOL, AT(db_protocol), "prepared", 0, 0,
     "prepared (named prepared statements) or proxy (no session state: for RDS Proxy, no pinning; "
     "statement timeout enforced client-side only)"},
    {"DB_IDLE_CHECK_MS", "db-idle-check-ms", SET_UINT, AT(db_idle_check_ms), "30000", 0, 86400000,
     "a connection idle this long gets an empty query before it serves again (0 = never)"},
    {"DB_COALESCE", "db-coalesce", SET_UINT, AT(db_coalesce), "16", 1, 1024,
     "requests of the same shape arriving together share one statement, up to this many different "
     "arguments in it (1 = a statement each)"},
    /* ---- writes (mutations; README "Placing orders") ---- */
    {"DB_WRITE_POOL_SIZE", "db-write-pool-size", SET_UINT, AT(db_write_pool_size), "4", 0, 1024,
     "connections to DATABASE_URL for mutations per process, shared out among the threads (at least one "
     "each); "
     "0: mutations share the query pool (only without DATABASE_READER_URL)"},
    {"DB_WRITE_QUEUE_MAX", "db-write-queue-max", SET_UINT, AT(db_write_queue_max), "256", 0, 1000000,
     "mutations per thread waiting for a write connection; beyond it they get HTTP 503 (OVERLOADED) before "
     "anything is written"},
    {"GQLD_ORDER_MAX_LINES", "order-max-lines", SET_UINT, AT(order_max_lines), "100", 1, 10000,
     "lines (items) one placeOrder may have; more is a BAD_USER_INPUT error"},
    {"GQLD_ORDER_MAX_QUANTITY", "order-max-quantity", SET_UINT, AT(order_max_quantity), "1000", 1, 1000000000,
     "units one order line may have; more is a BAD_USER_INPUT error"},
    {"GQLD_IDEMPOTENCY_KEY_TTL", "idempotency-key-ttl", SET_UINT, AT(idempotency_key_ttl), "86400", 1,
     31536000,
     "seconds a placeOrder idempotency key keeps its order (a request with it in that time gets that order); "
     "afterwards the key may place a new one"},
    {"MEMCACHED_SERVERS", "memcached-servers", SET_HOSTPORTS, AT(memcached_servers), "", 0, 0,
     "memcached nodes, comma-separated host:port; empty: no memcached (with GQLD_CACHE=on the in-process "
     "tier still caches)"},
    {"GQLD_THREADS", "threads", SET_UINT, AT(threads), NULL, 1, 1024,
     "worker threads, each with its own event loop (default: number of cores)"},
    {"GQLD_MAX_BODY_BYTES", "max-body-bytes", SET_SIZE, AT(max_body_bytes), "1048576", 1024, 1ULL << 30,
     "largest request body accepted; larger ones get HTTP 413"},
    {"GQLD_KEEPALIVE_TIMEOUT_MS", "keepalive-timeout-ms", SET_UINT, AT(keepalive_timeout_ms), "75000", 1000,
     3600000,
     "an idle client connection (HTTP/1.1 keep-alive, HTTP/2) is closed after this long; also how long a "
     "request's headers and body may take to arrive. Keep it above a load balancer's idle timeout (an "
     "ALB's: 60 s)"},
    {"GQLD_DRAIN_TIMEOUT_MS", "drain-timeout-ms", SET_UINT, AT(drain_timeout_ms), "10000", 0, 600000,
     "on SIGTERM/SIGINT, how long in-flight requests may take before exit"},
    {"GQLD_ACCESS_LOG", "access-log", SET_BOOL, AT(access_log), "on", 0, 0,
     "one JSON line per request on stdout"},
    {"GQLD_INTROSPECTION", "introspection", SET_BOOL, AT(introspection), "on", 0, 0,
     "answer __schema and __type queries (turn off in production to hide the schema)"},
    {"GQLD_MAX_QUERY_BYTES", "max-query-bytes", SET_SIZE, AT(max_query_bytes), "65536", 64, 1ULL << 30,
     "largest GraphQL document text accepted"},
    {"GQLD_MAX_TOKENS", "max-tokens", SET_UINT, AT(max_tokens), "10000", 16, 10000000,
     "most lexical tokens in one document (bounds parsing work)"},
    {"GQLD_MAX_DEPTH", "max-depth", SET_UINT, AT(max_depth), "20", 0, 1000,
     "deepest path of fields a query may select, fragments expanded (0 = no limit)"},
    {"GQLD_MAX_ALIASES", "max-aliases", SET_UINT, AT(max_aliases), "50", 0, 100000,
     "aliased fields in one selection set, fragments expanded (0 = no limit)"},
    {"GQLD_MAX_FIELDS", "max-fields", SET_UINT, AT(max_fields), "5000", 0, 100000000,
     "fields a query selects once its fragments are expanded: stops fragment bombs (0 = no limit)"},
    {"GQLD_MAX_VARIABLES_BYTES", "max-variables-bytes", SET_SIZE, AT(max_variables_bytes), "65536", 16,
     1ULL << 30, "largest `variables` object accepted, as compact JSON"},
    {"GQLD_DOC_CACHE_ENTRIES", "doc-cache-entries", SET_UINT, AT(doc_cache_entries), "1024", 1, 10000000,
     "parsed and validated documents kept per thread (keyed by SHA-256 of the text)"},
    {"GQLD_DOC_CACHE_BYTES", "doc-cache-bytes", SET_SIZE, AT(doc_cache_bytes), "16777216", 4096, 1ULL << 34,
     "memory those cached documents may use per thread"},
    {"GQLD_CORS_ORIGINS", "cors-origins", SET_ORIGINS, AT(cors_origins), "", 0, 0,
     "origins whose pages may call /graphql (CORS), comma-separated, e.g. http://localhost:3000; * for any; "
     "empty: CORS off"},
    {"GQLD_CORS_MAX_AGE", "cors-max-age", SET_UINT, AT(cors_max_age), "600", 0, 86400,
     "seconds a browser may cache a CORS preflight answer"},
    {"GQLD_PLAYGROUND", "playground", SET_BOOL, AT(playground), "on", 0, 0,
     "serve the GraphiQL playground at / and /playground (off: those paths answer 404)"},
    {"GQLD_LIST_DEFAULT", "list-default", SET_UINT, AT(list_default), "50", 0, 100000,
     "items a list returns when its `first` argument is omitted and the schema gives no default"},
    {"GQLD_LIST_MAX", "list-max", SET_UINT, AT(list_max), "200", 1, 100000,
     "largest `first` a query may ask for (more is an error); lists without `first` return this many at "
     "most"},
    {"GQLD_CURSOR_SECRET", "cursor-secret", SET_STRING, AT(cursor_secret), "", 0, 0,
     "secret text keying the MAC of page cursors (endCursor), the same on every process serving the API; "
     "empty: cursors are still checked, but anyone with the schema could make one"},
    {"AUTH_MODE", "auth-mode", SET_AUTH_MODE, AT(auth_mode), "jwt", 0, 0,
     "jwt: customers and orders need a bearer token; gateway: behind API Gateway, the principal comes from "
     "the authorizer context it forwards (requests without it get 401); none: DEVELOPMENT ONLY, every "
     "request is an admin"},
    /* ---- response cache and automatic persisted queries (cache/; README "Caching") ---- */
    {"GQLD_CACHE", "cache", SET_BOOL, AT(cache), "off", 0, 0,
     "response cache: in-process tier and memcached (MEMCACHED_SERVERS); off: every read goes to the "
     "database"},
    {"GQLD_CACHE_LOCAL_BYTES", "cache-local-bytes", SET_SIZE, AT(cache_local_bytes), "16777216", 0,
     1ULL << 34, "in-process response cache per thread, in bytes (0 = off: memcached only)"},
    {"GQLD_CACHE_LOCAL_TTL_MS", "cache-local-ttl-ms", SET_UINT, AT(cache_local_ttl_ms), "5000", 1, 3600000,
     "how often the in-process tier asks memcached again for an entry it serves (in the background)"},
    {"GQLD_CACHE_REQUESTS", "cache-requests", SET_UINT, AT(cache_requests), "65536", 0, 10000000,
     "cacheable requests remembered per thread by the digest of their bytes, so a repeat is answered from "
     "the cache without parsing it again (0 = off)"},
    {"GQLD_CACHE_DEFAULT_MAX_AGE", "cache-default-max-age", SET_UINT, AT(cache_default_max_age), "0", 0,
     31536000, "maxAge in seconds of root and object fields without a @cacheControl hint (0 = not cached)"},
    {"GQLD_CACHE_STALE_GRACE", "cache-stale-grace", SET_UINT, AT(cache_stale_grace), "300", 0, 31536000,
     "seconds an entry is kept past its maxAge, served (marked stale) only when the database is down"},
    {"GQLD_CACHE_PREFIX", "cache-prefix", SET_STRING, AT(cache_prefix), "gqld", 0, 0,
     "prefix of every memcached key (1 to 32 of A-Z a-z 0-9 _ . -)"},
    {"GQLD_APQ_TTL", "apq-ttl", SET_UINT, AT(apq_ttl), "86400", 1, 2592000,
     "seconds an automatic persisted query's text is kept in the cache"},
    {"MEMCACHED_CONNECT_TIMEOUT_MS", "memcached-connect-timeout-ms", SET_UINT,
     AT(memcached_connect_timeout_ms), "100", 1, 60000, "memcached connection attempt timeout"},
    {"MEMCACHED_POLL_TIMEOUT_MS", "memcached-poll-timeout-ms", SET_UINT, AT(memcached_poll_timeout_ms), "100",
     1, 60000, "how long a memcached call waits for an answer"},
    {"MEMCACHED_RETRY_TIMEOUT_S", "memcached-retry-timeout-s", SET_UINT, AT(memcached_retry_timeout_s), "2",
     1, 3600, "a failed memcached node is skipped this many seconds before it is tried again"},
    {"MEMCACHED_DISCOVERY", "memcached-discovery", SET_HOSTPORTS, AT(memcached_discovery), "", 0, 0,
     "ElastiCache configuration endpoint host:port: its node list (config get cluster) replaces "
     "MEMCACHED_SERVERS"},
    {"MEMCACHED_DISCOVERY_INTERVAL_MS", "memcached-discovery-interval-ms", SET_UINT,
     AT(memcached_discovery_interval_ms), "60000", 100, 86400000,
     "how often the configuration endpoint is asked for the node list"},
    /* ---- HTTPS and observability (issue 8) ---- */
    {"GQLD_TLS_CERT", "tls-cert", SET_STRING, AT(tls_cert), "", 0, 0,
     "PEM certificate (chain) file; with GQLD_TLS_KEY the listener speaks HTTPS only: TLS 1.2+, HTTP/2 by "
     "ALPN, HTTP/1.1 fallback"},
    {"GQLD_TLS_KEY", "tls-key", SET_STRING, AT(tls_key), "", 0, 0, "PEM private key file of GQLD_TLS_CERT"},
    {"GQLD_LOG_LEVEL", "log-level", SET_LOG_LEVEL, AT(log_level), "info", 0, 0,
     "least severe event written to stderr: debug, info, warn or error (the access log is GQLD_ACCESS_LOG)"},
    {"GQLD_METRICS", "metrics", SET_BOOL, AT(metrics), "on", 0, 0,
     "serve Prometheus metrics at GET /metrics (off: 404)"},
    {"GQLD_METRICS_LISTEN", "metrics-listen", SET_LISTEN, AT(metrics_listen_host), "", 0, 0,
     "serve GET /metrics only on this host:port (plain HTTP), and not on GQLD_LISTEN; empty: on GQLD_LISTEN"},
    {"GQLD_EMF", "emf", SET_BOOL, AT(emf), "off", 0, 0,
     "write CloudWatch Embedded Metric Format lines on stdout every GQLD_EMF_INTERVAL_MS"},
    {"GQLD_EMF_NAMESPACE", "emf-namespace", SET_STRING, AT(emf_namespace), "gqld", 0, 0,
     "CloudWatch namespace of the EMF metrics"},
    {"GQLD_EMF_INTERVAL_MS", "emf-interval-ms", SET_UINT, AT(emf_interval_ms), "60000", 100, 3600000,
     "milliseconds between EMF lines (each carries the counts since the previous one)"},
    /* ---- authentication (server/auth; checked when the verifier is built) ---- */
    {"JWT_ALGORITHMS", "jwt-algorithms", SET_STRING, AT(jwt_algorithms), "RS256,ES256", 0, 0,
     "signature algorithms accepted, comma-separated: RS256, ES256, HS256 (the token's alg never picks one)"},
    {"JWT_JWKS_FILE", "jwt-jwks-file", SET_STRING, AT(jwt_jwks_file), "", 0, 0,
     "JWKS file with the RS256/ES256 verification keys (read at start-up)"},
    {"JWT_JWKS_URL", "jwt-jwks-url", SET_STRING, AT(jwt_jwks_url), "", 0, 0,
     "JWKS URL (http or https), fetched at start-up, periodically and on an unknown kid"},
    {"JWT_JWKS_CA_FILE", "jwt-jwks-ca-file", SET_STRING, AT(jwt_jwks_ca_file), "", 0, 0,
     "PEM file of the CAs trusted for an https JWT_JWKS_URL, and the only ones (empty: libcurl's built-in "
     "default, /etc/ssl/certs/ca-certificates.crt on Debian)"},
    {"JWT_JWKS_REFRESH_SECONDS", "jwt-jwks-refresh-seconds", SET_UINT, AT(jwt_jwks_refresh_seconds), "3600",
     1, 604800, "how often the JWKS URL is fetched again"},
    {"JWT_JWKS_MIN_REFRESH_SECONDS", "jwt-jwks-min-refresh-seconds", SET_UINT,
     AT(jwt_jwks_min_refresh_seconds), "30", 0, 86400,
     "least time between two fetches (an unknown kid asks for one; a failed start-up fetch retries)"},
    {"JWT_HS256_SECRET_FILE", "jwt-hs256-secret-file", SET_STRING, AT(jwt_hs256_secret_file), "", 0, 0,
     "file holding the HS256 shared secret (at least 32 bytes; one final newline ignored)"},
    {"JWT_ISSUER", "jwt-issuer", SET_STRING, AT(jwt_issuer), "", 0, 0,
     "required iss, exact match (empty: not checked)"},
    {"JWT_AUDIENCE", "jwt-audience", SET_STRING, AT(jwt_audience), "", 0, 0,
     "accepted audiences, comma-separated: aud or client_id must be one (empty: not checked)"},
    {"JWT_LEEWAY_SECONDS", "jwt-leeway-seconds", SET_UINT, AT(jwt_leeway_seconds), "30", 0, 3600,
     "clock skew allowed on exp, nbf and iat"},
    {"JWT_COGNITO", "jwt-cognito", SET_BOOL, AT(jwt_cognito), "off", 0, 0,
     "Cognito user pool tokens: token_use checked; client id in client_id (access) or aud (id)"},
    {"JWT_COGNITO_TOKEN_USE", "jwt-cognito-token-use", SET_STRING, AT(jwt_cognito_token_use), "access", 0, 0,
     "token_use values accepted with JWT_COGNITO: access, id or access,id"},
    {"JWT_REQUIRED_SCOPES", "jwt-required-scopes", SET_STRING, AT(jwt_required_scopes), "", 0, 0,
     "scopes required per type, e.g. \"Order=orders:read OrderItem=orders:read Customer=customers:read\" "
     "(any one listed for a type will do; a field of a type without it is FORBIDDEN)"},
    {"JWT_GROUPS_CLAIM", "jwt-groups-claim", SET_STRING, AT(jwt_groups_claim), "cognito:groups", 0, 0,
     "claim listing the caller's groups"},
    {"JWT_CUSTOMER_ID_CLAIM", "jwt-customer-id-claim", SET_STRING, AT(jwt_customer_id_claim),
     "custom:customer_id", 0, 0, "claim holding the caller's customer id (absent: sub is the customer id)"},
    {"AUTH_ADMIN_GROUP", "auth-admin-group", SET_STRING, AT(auth_admin_group), "admin", 0, 0,
     "members of this group see every customer's data"},
    /* ---- query cost, rate limits, trusted documents (issue 18; README "Limits on the open internet") ----
     */
    {"GQLD_MAX_COST", "max-cost", SET_SIZE, AT(max_cost), "1000000", 0, 1000000000000000ULL,
     "most an operation may cost (IBM cost directives: @cost and @listSize in the schema); costlier ones are "
     "refused before any SQL with COST_LIMIT_EXCEEDED (0 = no limit)"},
    {"GQLD_COST_REPORT", "cost-report", SET_BOOL, AT(cost_report), "off", 0, 0,
     "add extensions.cost = {requested, limit} to every answer"},
    {"GQLD_SUGGESTIONS", "suggestions", SET_BOOL, AT(suggestions), "on", 0, 0,
     "\"Did you mean ...?\" in validation errors (never while GQLD_INTROSPECTION is off)"},
    {"GQLD_MAX_ROOT_FIELDS", "max-root-fields", SET_UINT, AT(max_root_fields), "64", 0, 100000,
     "root fields one operation may select, fragments merged in (0 = no limit)"},
    {"GQLD_MAX_OPERATIONS", "max-operations", SET_UINT, AT(max_operations), "32", 0, 100000,
     "operations one document may define (0 = no limit)"},
    {"GQLD_RATE_LIMIT_ANONYMOUS", "rate-limit-anonymous", SET_RATE, AT(rate_anonymous), "0", 0, 0,
     "cost points per second an anonymous caller (by client IP) may spend, RATE or RATE:BURST (0 = no "
     "limit)"},
    {"GQLD_RATE_LIMIT_CUSTOMER", "rate-limit-customer", SET_RATE, AT(rate_customer), "0", 0, 0,
     "cost points per second a customer (by customer id) may spend, RATE or RATE:BURST (0 = no limit)"},
    {"GQLD_RATE_LIMIT_ADMIN", "rate-limit-admin", SET_RATE, AT(rate_admin), "0", 0, 0,
     "cost points per second an admin or other token holder (by token subject) may spend (0 = no limit)"},
    {"GQLD_RATE_LIMIT_MUTATIONS", "rate-limit-mutations", SET_RATE, AT(rate_mutations), "0", 0, 0,
     "cost points per second a caller may spend on mutations, apart from the class budget (0 = mutations "
     "count against the class budget)"},
    {"GQLD_RATE_LIMIT_SYNC_MS", "rate-limit-sync-ms", SET_UINT, AT(rate_limit_sync_ms), "20", 1, 1000,
     "how often each process adds its spending to memcached and learns the others' (bounds the overshoot)"},
    {"GQLD_TRUSTED_PROXIES", "trusted-proxies", SET_CIDRS, AT(trusted_proxies), "", 0, 0,
     "proxies (CIDR list, e.g. 10.0.0.0/8,::1) whose X-Forwarded-For names the client IP; empty: the peer is "
     "the client"},
    {"GQLD_TRUSTED_DOCUMENTS", "trusted-documents", SET_STRING, AT(trusted_documents), "", 0, 0,
     "manifest of trusted documents, {\"<sha256 hex>\": \"<document>\"}, read at start-up and on SIGHUP"},
    {"GQLD_TRUSTED_DOCUMENTS_MODE", "trusted-documents-mode", SET_TRUST_MODE, AT(trusted_documents_mode),
     "off", 0, 0,
     "off; allow: manifest documents by documentId or hash, other text too; enforce: only manifest "
     "documents run"},
    {"GQLD_TRUSTED_DOCUMENTS_ADMIN_EXEMPT", "trusted-documents-admin-exempt", SET_BOOL,
     AT(trusted_documents_admin_exempt), "off", 0, 0, "in enforce mode, admins may still send any document"},
};

enum { NSETTINGS = sizeof(settings) / sizeof(settings[0]) };

static int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
    if (*s == '\0' || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "on", "true", "yes"}, *const no[] = {"0", "off", "false", "no"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = true, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = false, 0;
    }
    return -1;
}

/* Splits host:port or [v6]:port; 0 when the port is a number up to 65535. */
static int split_hostport(const char *s, size_t len, const char **host, size_t *hostlen, unsigned *port)
{
    const char *colon = NULL;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ':')
            colon = s + i;
    if (colon == NULL || colon == s || (size_t)(colon - s) + 1 >= len || len - (size_t)(colon - s) > 6)
        return -1;
    *host = s;
    *hostlen = (size_t)(colon - s);
    if (s[0] == '[') {
        if (*hostlen < 3 || s[*hostlen - 1] != ']')
            return -1;
        (*host)++;
        *hostlen -= 2;
    }
    unsigned long long v = 0;
    for (const char *p = colon + 1; p < s + len; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* A comma-separated list of host:port, each port from 1 (memcached nodes, ElastiCache endpoints). */
static int parse_hostports(const char *s)
{
    while (*s != '\0') {
        size_t len = strcspn(s, ",");
        const char *host;
        size_t hostlen;
        unsigned port;
        if (split_hostport(s, len, &host, &hostlen, &port) != 0 || port == 0)
            return -1;
        s += len;
        if (*s == ',' && *++s == '\0')
            return -1; /* a trailing comma is a typo, not an empty node */
    }
    return 0;
}

/* One origin as browsers send it: http(s)://host[:port], without a path or a trailing slash. */
static int parse_origin(const char *s, size_t len)
{
    size_t scheme = strncasecmp(s, "http://", 7) == 0 ? 7 : strncasecmp(s, "https://", 8) == 0 ? 8 : 0;
    if (scheme == 0 || scheme >= len)
        return -1;
    for (size_t i = scheme; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && strchr("-.:[]", s[i]) == NULL)
            return -1;
    return 0;
}

/* "*" alone, or comma-separated origins (blanks around them allowed); "" turns CORS off. */
bool config_origin_next(const char **cursor, const char **entry, size_t *len)
{
    const char *s = *cursor;
    if (*s == '\0')
        return false;
    size_t n = strcspn(s, ",");
    const char *e = s;
    size_t l = n;
    while (l > 0 && *e == ' ')
        e++, l--;
    while (l > 0 && e[l - 1] == ' ')
        l--;
    *entry = e;
    *len = l;
    *cursor = s[n] == ',' ? s + n + 1 : s + n;
    return true;
}

static int parse_origins(const char *s)
{
    size_t entries = 0;
    bool any = false;
    if (*s != '\0' && s[strlen(s) - 1] == ',')
        return -1; /* a trailing comma is a typo */
    const char *entry;
    size_t len;
    while (config_origin_next(&s, &entry, &len)) {
        entries++;
        if (len == 1 && *entry == '*')
            any = true;
        else if (parse_origin(entry, len) != 0)
            return -1;
    }
    return any && entries > 1 ? -1 : 0;
}

/* host:port or [v6]:port; the host must be an IP literal (or localhost) so start-up never waits on DNS. */
static int parse_listen(const char *s, char listen_host[256], uint16_t *listen_port)
{
    const char *host;
    size_t hostlen;
    unsigned port;
    if (split_hostport(s, strlen(s), &host, &hostlen, &port) != 0 || hostlen >= 256)
        return -1;
    char literal[256];
    memcpy(literal, host, hostlen);
    literal[hostlen] = '\0';
    unsigned char addr[sizeof(struct in6_addr)];
    if (strcmp(literal, "localhost") != 0 && inet_pton(AF_INET, literal, addr) != 1 &&
        inet_pton(AF_INET6, literal, addr) != 1)
        return -1;
    memcpy(listen_host, literal, hostlen + 1);
    *listen_port = (uint16_t)port;
    return 0;
}

/* RATE or RATE:BURST, whole numbers up to 10^9; BURST defaults to 2 s of RATE (at least 1 with a RATE). */
static int parse_rate(const char *s, gqld_rate *out)
{
    char rate[32];
    const char *colon = strchr(s, ':');
    size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
    unsigned long long r, b;
    if (n >= sizeof(rate))
        return -1;
    memcpy(rate, s, n);
    rate[n] = '\0';
    if (parse_uint(rate, 0, 1000000000, &r) != 0)
        return -1;
    if (colon == NULL)
        b = 2 * r;
    else if (parse_uint(colon + 1, r > 0 ? 1 : 0, 2000000000, &b) != 0 || (r == 0 && b != 0))
        return -1;
    *out = (gqld_rate){(unsigned)r, (unsigned)b};
    return 0;
}

/* The index of value among the '|'-separated words of choices. */
static int parse_choice(const char *value, const char *choices, unsigned *out)
{
    size_t len = strlen(value);
    for (unsigned i = 0; *choices != '\0'; i++) {
        size_t n = strcspn(choices, "|");
        if (n == len && memcmp(choices, value, n) == 0)
            return *out = i, 0;
        choices += n + (choices[n] == '|');
    }
    return -1;
}

/* A CloudWatch namespace: 1 to 255 of [A-Za-z0-9.-_/#: ], not starting with "AWS/" (reserved). */
static bool valid_namespace(const char *ns)
{
    size_t len = strlen(ns);
    if (len == 0 || len > 255 || strncmp(ns, "AWS/", 4) == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)ns[i]) && strchr(".-_/#: ", ns[i]) == NULL)
            return false;
    return true;
}

/* Settings checked together: see the issue-8 block of the table. */
static int check_observability(const gqld_config *cfg, char *err, size_t errlen)
{
    if (cfg->metrics_listen_host[0] != '\0' && !cfg->metrics) {
        snprintf(err, errlen, "GQLD_METRICS_LISTEN is set while GQLD_METRICS is off: a listener for nothing");
        return -1;
    }
    if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
        snprintf(err, errlen, "%s is set without %s: HTTPS needs both the certificate and its key",
                 cfg->tls_cert[0] ? "GQLD_TLS_CERT" : "GQLD_TLS_KEY",
                 cfg->tls_cert[0] ? "GQLD_TLS_KEY" : "GQLD_TLS_CERT");
        return -1;
    }
    /* An unreadable file is named here, like any invalid setting: http_tls.c only sees readable ones. */
    const char *const tls_files[][2] = {{"GQLD_TLS_CERT", cfg->tls_cert}, {"GQLD_TLS_KEY", cfg->tls_key}};
    for (size_t i = 0; i < 2; i++) {
        if (tls_files[i][1][0] == '\0')
            continue;
        FILE *f = fopen(tls_files[i][1], "rb");
        int e = errno;
        bool readable = f != NULL, directory = false;
        struct stat st;
        if (readable) {
            directory = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
            fclose(f);
        }
        if (!readable || directory) {
            snprintf(err, errlen, "%s \"%s\" cannot be read: %s", tls_files[i][0], tls_files[i][1],
                     directory ? "it is a directory" : strerror(e));
            return -1;
        }
    }
    if (!valid_namespace(cfg->emf_namespace)) {
        snprintf(
            err, errlen,
            "invalid GQLD_EMF_NAMESPACE \"%s\": expected 1 to 255 of letters, digits and . - _ / # : space, "
            "not starting with AWS/",
            cfg->emf_namespace);
        return -1;
    }
    return 0;
}

static const char *expected(const setting *s)
{
    switch (s->kind) {
    case SET_UINT:
    case SET_SIZE:
        return "a whole number";
    case SET_BOOL:
        return "on or off (true/false, yes/no and 1/0 are read the same, in any case)";
    case SET_LISTEN:
        return "IP:port (e.g. 127.0.0.1:8080 or [::1]:8080)";
    case SET_HOSTPORTS:
        return "comma-separated host:port";
    case SET_ORIGINS:
        return "* or comma-separated origins such as http://localhost:3000 (scheme://host[:port], no path)";
    case SET_AUTH_MODE:
        return "jwt, gateway or none";
    case SET_DB_PROTOCOL:
        return "prepared or proxy";
    case SET_LOG_LEVEL:
        return "one of " LOG_LEVELS;
    case SET_RATE:
        return "RATE or RATE:BURST, cost points (e.g. 1000 or 1000:5000; BURST at least 1)";
    case SET_CIDRS:
        return "comma-separated addresses or CIDR blocks (e.g. 10.0.0.0/8,192.168.1.7,::1/128)";
    case SET_TRUST_MODE:
        return "off, allow or enforce";
    default:
        return "a value";
    }
}

static int apply(gqld_config *cfg, const setting *s, const char *value, const char *source, char *err,
                 size_t errlen)
{
    char *base = (char *)cfg;
    unsigned long long v;
    int rc = 0;
    switch (s->kind) {
    case SET_STRING:
        *(const char **)(base + s->offset) = value;
        break;
    case SET_UINT:
        rc = parse_uint(value, s->min, s->max, &v);
        if (rc == 0)
            *(unsigned *)(base + s->offset) = (unsigned)v;
        break;
    case SET_SIZE:
        rc = parse_uint(value, s->min, s->max, &v);
        if (rc == 0)
            *(size_t *)(base + s->offset) = (size_t)v;
        break;
    case SET_BOOL:
        rc = parse_bool(value, (bool *)(base + s->offset));
        break;
    case SET_LISTEN:
        if (s->offset == AT(metrics_listen_host)) /* empty: none */
            rc = value[0] == '\0' ? 0
                                  : parse_listen(value, cfg->metrics_listen_host, &cfg->metrics_listen_port);
        else
            rc = parse_listen(value, cfg->listen_host, &cfg->listen_port);
        break;
    case SET_HOSTPORTS:
        rc = parse_hostports(value);
        if (rc == 0)
            *(const char **)(base + s->offset) = value;
        break;
    case SET_ORIGINS:
        rc = parse_origins(value);
        if (rc == 0)
            *(const char **)(base + s->offset) = value;
        break;
    case SET_AUTH_MODE:
        rc = strcmp(value, "jwt") == 0 || strcmp(value, "none") == 0 || !strcmp(value, "gateway") ? 0 : -1;
        if (rc == 0)
            *(gqld_auth_mode *)(base + s->offset) = value[0] == 'n'   ? GQLD_AUTH_NONE
                                                    : value[0] == 'g' ? GQLD_AUTH_GATEWAY
                                                                      : GQLD_AUTH_JWT;
        break;
    case SET_DB_PROTOCOL:
        rc = strcmp(value, "prepared") == 0 || strcmp(value, "proxy") == 0 ? 0 : -1;
        if (rc == 0)
            *(gqld_db_protocol *)(base + s->offset) =
                strcmp(value, "proxy") == 0 ? GQLD_DB_PROXY : GQLD_DB_PREPARED;
        break;
    case SET_LOG_LEVEL:
        rc = parse_choice(value, LOG_LEVELS, (unsigned *)(base + s->offset));
        break;
    case SET_RATE:
        rc = parse_rate(value, (gqld_rate *)(base + s->offset));
        break;
    case SET_CIDRS:
        rc = client_ip_parse_cidrs(value, NULL, 0) < 0 ? -1 : 0;
        if (rc == 0)
            *(const char **)(base + s->offset) = value;
        break;
    case SET_TRUST_MODE: {
        unsigned mode;
        rc = parse_choice(value, "off|allow|enforce", &mode);
        if (rc == 0)
            *(gqld_trust_mode *)(base + s->offset) = (gqld_trust_mode)mode;
        break;
    }
    }
    if (rc != 0) {
        if (s->kind == SET_UINT || s->kind == SET_SIZE)
            snprintf(err, errlen, "invalid %s (%s) \"%s\": expected %s from %llu to %llu", s->env, source,
                     value, expected(s), s->min, s->max);
        else
            snprintf(err, errlen, "invalid %s (%s) \"%s\": expected %s", s->env, source, value, expected(s));
    }
    return rc;
}

static const setting *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(settings[i].flag) == len && memcmp(settings[i].flag, name, len) == 0)
            return &settings[i];
    return NULL;
}

int config_load(gqld_config *cfg, int argc, char **argv, char **rest, int *nrest, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = cores > 0 ? (unsigned)cores : 1;

    /* The winning text per setting: default, then the environment, then a flag. Only it is validated,
     * so a flag can repair a bad environment variable. */
    const char *value[NSETTINGS];
    const char *source[NSETTINGS];
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *env = getenv(settings[i].env);
        value[i] = env != NULL ? env : settings[i].def;
        source[i] = env != NULL ? "environment" : "default";
    }
    *nrest = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            rest[(*nrest)++] = argv[i];
            continue;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        const setting *s = find_flag(name, eq ? (size_t)(eq - name) : strlen(name));
        if (s == NULL) {
            rest[(*nrest)++] = argv[i]; /* maybe the subcommand's own flag */
            continue;
        }
        if (eq == NULL && i + 1 >= argc) {
            snprintf(err, errlen, "flag --%s (%s) needs a value", s->flag, s->env);
            return -1;
        }
        value[s - settings] = eq ? eq + 1 : argv[++i];
        source[s - settings] = "flag";
    }
    for (size_t i = 0; i < NSETTINGS; i++)
        if (value[i] != NULL && apply(cfg, &settings[i], value[i], source[i], err, errlen) != 0)
            return -1;
    /* The prefix lands in memcached keys: no blanks or control characters, and short. */
    size_t prefix_len = strlen(cfg->cache_prefix);
    if (prefix_len == 0 || prefix_len > 32 ||
        strspn(cfg->cache_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
            prefix_len) {
        snprintf(err, errlen, "invalid GQLD_CACHE_PREFIX \"%s\": expected 1 to 32 of A-Z a-z 0-9 _ . -",
                 cfg->cache_prefix);
        return -1;
    }
    if (cfg->list_default > cfg->list_max) {
        snprintf(err, errlen, "GQLD_LIST_DEFAULT (%u) is above GQLD_LIST_MAX (%u)", cfg->list_default,
                 cfg->list_max);
        return -1;
    }
    if (cfg->trusted_documents_mode != GQLD_TRUST_OFF && cfg->trusted_documents[0] == '\0') {
        snprintf(err, errlen,
                 "GQLD_TRUSTED_DOCUMENTS_MODE=%s needs GQLD_TRUSTED_DOCUMENTS (the manifest file)",
                 cfg->trusted_documents_mode == GQLD_TRUST_ALLOW ? "allow" : "enforce");
        return -1;
    }
    if (cfg->db_write_pool_size == 0 && cfg->database_reader_url[0] != '\0') {
        snprintf(err, errlen,
                 "DB_WRITE_POOL_SIZE is 0 (mutations share the query pool) while DATABASE_READER_URL "
                 "is set: writes must go to DATABASE_URL; give DB_WRITE_POOL_SIZE at least 1");
        return -1;
    }
    return check_observability(cfg, err, errlen);
}

void config_print_help(FILE *out)
{
    fprintf(out, "Settings (environment variable, flag, default). Flags override the environment.\n\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *s = &settings[i];
        const char *def = s->def == NULL      ? (s->offset == AT(threads) ? "number of cores" : "(required)")
                          : s->def[0] == '\0' ? "(empty)"
                                              : s->def;
        fprintf(out, "  %-24s --%-24s default: %s\n      %s\n", s->env, s->flag, def, s->help);
    }
}
