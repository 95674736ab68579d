/*
 * Settings (server/config.c): defaults, then the environment, then flags;
 * every refusal is one line naming the setting and what it expects.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "server/config.h"

static char err[512];

/* Loads with argv (NULL-terminated) over the current environment. */
static int load(gqld_config *cfg, char **args, char **rest, int *nrest)
{
    char *argv[16] = {"gqld"};
    int argc = 1;
    for (; args != NULL && args[argc - 1] != NULL && argc < 15; argc++)
        argv[argc] = args[argc - 1];
    argv[argc] = NULL;
    err[0] = '\0';
    return config_load(cfg, argc, argv, rest, nrest, err, sizeof(err));
}

static void clear_env(void)
{
    const char *names[] = {"GQLD_LISTEN",  "DB_POOL_SIZE",      "GQLD_ACCESS_LOG", "GQLD_CORS_ORIGINS",
                           "AUTH_MODE",    "DB_PROTOCOL",       "GQLD_CACHE",      "GQLD_LOG_LEVEL",
                           "GQLD_THREADS", "MEMCACHED_SERVERS", "DATABASE_URL"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        unsetenv(names[i]);
}

static void test_defaults(void)
{
    clear_env();
    gqld_config cfg;
    char *rest[4];
    int nrest = 0;
    CHECK_INT(load(&cfg, NULL, rest, &nrest), 0);
    CHECK_STR(cfg.listen_host, "127.0.0.1");
    CHECK_INT(cfg.listen_port, 8080);
    CHECK_INT(cfg.db_pool_size, 8);
    CHECK(cfg.access_log);
    CHECK_STR(cfg.cors_origins, "");
    CHECK_INT(cfg.auth_mode, GQLD_AUTH_JWT); /* secure by default */
    CHECK_INT(cfg.db_protocol, GQLD_DB_PREPARED);
    CHECK_INT(nrest, 0);
}

static void test_precedence(void)
{
    clear_env();
    setenv("DB_POOL_SIZE", "12", 1);
    setenv("GQLD_LISTEN", "0.0.0.0:9000", 1);
    gqld_config cfg;
    char *rest[4];
    int nrest = 0;
    CHECK_INT(load(&cfg, NULL, rest, &nrest), 0);
    CHECK_INT(cfg.db_pool_size, 12);
    CHECK_STR(cfg.listen_host, "0.0.0.0");
    CHECK_INT(cfg.listen_port, 9000);
    /* A flag beats the environment, in both of its forms; other arguments are left for the subcommand. */
    char *args[] = {"migrate", "--db-pool-size", "3", "--listen=[::1]:0", "extra", NULL};
    CHECK_INT(load(&cfg, args, rest, &nrest), 0);
    CHECK_INT(cfg.db_pool_size, 3);
    CHECK_STR(cfg.listen_host, "::1");
    CHECK_INT(cfg.listen_port, 0);
    CHECK_INT(nrest, 2);
    if (nrest == 2) {
        CHECK_STR(rest[0], "migrate");
        CHECK_STR(rest[1], "extra");
    }
}

static void test_booleans(void)
{
    const char *yes[] = {"on", "ON", "true", "yes", "1"}, *no[] = {"off", "false", "No", "0"};
    gqld_config cfg;
    char *rest[4];
    int nrest;
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
        clear_env();
        setenv("GQLD_ACCESS_LOG", "off", 1);
        setenv("GQLD_ACCESS_LOG", yes[i], 1);
        CHECK_INT(load(&cfg, NULL, rest, &nrest), 0);
        CHECK(cfg.access_log);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        clear_env();
        setenv("GQLD_ACCESS_LOG", no[i], 1);
        CHECK_INT(load(&cfg, NULL, rest, &nrest), 0);
        CHECK(!cfg.access_log);
    }
}

/* A refusal names the setting, where it came from and what it expects. */
static void refused(const char *env, const char *value, const char *says)
{
    clear_env();
    setenv(env, value, 1);
    gqld_config cfg;
    char *rest[4];
    int nrest;
    CHECK_INT(load(&cfg, NULL, rest, &nrest), -1);
    CHECK(strstr(err, env) != NULL);
    if (strstr(err, says) == NULL)
        fprintf(stderr, "refusal of %s=%s says: %s\n", env, value, err);
    CHECK(strstr(err, says) != NULL);
    CHECK(strchr(err, '\n') == NULL);
    unsetenv(env);
}

static void test_refusals(void)
{
    refused("DB_POOL_SIZE", "0", "from 1 to 1024");
    refused("DB_POOL_SIZE", "many", "from 1 to 1024");
    refused("DB_POOL_SIZE", "99999", "from 1 to 1024");
    refused("GQLD_ACCESS_LOG", "maybe", "GQLD_ACCESS_LOG");
    refused("AUTH_MODE", "open", "AUTH_MODE");
    refused("DB_PROTOCOL", "tcp", "prepared or proxy");
    refused("GQLD_LISTEN", "localhost", "GQLD_LISTEN");
    refused("GQLD_LISTEN", "127.0.0.1:70000", "GQLD_LISTEN");
    refused("GQLD_CORS_ORIGINS", "shop.example", "GQLD_CORS_ORIGINS");
    refused("GQLD_RATE_LIMIT_CUSTOMER", "100:0", "BURST at least 1");
    refused("GQLD_RATE_LIMIT_ANONYMOUS", "ten", "RATE or RATE:BURST");
    refused("GQLD_TRUSTED_PROXIES", "10.0.0.0/33", "CIDR");
    refused("GQLD_TRUSTED_PROXIES", "10.0.0.0/8,", "CIDR");
    refused("GQLD_TRUSTED_PROXIES", "proxy.internal", "CIDR");
    refused("GQLD_TRUSTED_DOCUMENTS_MODE", "strict", "off, allow or enforce");
    refused("GQLD_TRUSTED_DOCUMENTS_MODE", "enforce", "needs GQLD_TRUSTED_DOCUMENTS");

    /* A flag's refusal names the setting too. */
    clear_env();
    gqld_config cfg;
    char *rest[4];
    int nrest;
    char *args[] = {"--db-pool-size", "-1", NULL};
    CHECK_INT(load(&cfg, args, rest, &nrest), -1);
    CHECK(strstr(err, "DB_POOL_SIZE") != NULL);
}

/* Rate limits: RATE or RATE:BURST, the burst 2 s of the rate by default; trusted proxies as CIDR blocks. */
static void test_limits(void)
{
    clear_env();
    setenv("GQLD_RATE_LIMIT_CUSTOMER", "1000", 1);
    setenv("GQLD_RATE_LIMIT_ANONYMOUS", "10:35", 1);
    setenv("GQLD_TRUSTED_PROXIES", " 10.0.0.0/8 , 192.168.1.7,::1/128", 1);
    gqld_config cfg;
    char *rest[4];
    int nrest;
    CHECK_INT(load(&cfg, NULL, rest, &nrest), 0);
    CHECK_INT(cfg.rate_customer.rate, 1000);
    CHECK_INT(cfg.rate_customer.burst, 2000);
    CHECK_INT(cfg.rate_anonymous.rate, 10);
    CHECK_INT(cfg.rate_anonymous.burst, 35);
    CHECK_INT(cfg.rate_admin.rate, 0);
    CHECK_INT(cfg.max_cost, 1000000);
    CHECK_INT(cfg.max_root_fields, 64);
    CHECK_INT(cfg.max_operations, 32);
    CHECK_INT(cfg.trusted_documents_mode, GQLD_TRUST_OFF);
    unsetenv("GQLD_RATE_LIMIT_CUSTOMER");
    unsetenv("GQLD_RATE_LIMIT_ANONYMOUS");
    unsetenv("GQLD_TRUSTED_PROXIES");
}

int main(void)
{
    test_limits();
    test_defaults();
    test_precedence();
    test_booleans();
    test_refusals();
    return CHECK_EXIT();
}
