#include "server/auth/jwks_source.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/log.h"

enum { MAX_JWKS_BYTES = 1 << 20, MIN_SECRET_BYTES = 32, FETCH_TIMEOUT_MS = 5000 };

struct jwks_source {
    jwks_source_config cfg;
    unsigned char *secret; /* HS256, kept to rebuild sets after a fetch */
    size_t secret_len;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    jwk_set *current; /* under lock */
    bool want_refresh, stopping, thread_started;
    time_t last_fetch;
    pthread_t thread;
};

/* The whole file, at most max bytes; NULL with errno-style message. */
static char *read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen,
                       const char *setting)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(max + 1) : NULL;
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    if (f == NULL || buf == NULL || ferror(f) || n > max) {
        snprintf(err, errlen, "%s \"%s\": %s", setting, path,
                 f == NULL ? strerror(errno)
                 : n > max ? "too large"
                           : "cannot read");
        free(buf);
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The settings a set comes from, as the warnings name them (on_skip's user). */
static char from_file[] = "JWT_JWKS_FILE", from_url[] = "JWT_JWKS_URL";

/* A key of the set that cannot be used: skipped, with a warning naming it (the others still serve). */
static void on_skip(void *user, size_t index, const char *kid, const char *why)
{
    char at[24];
    snprintf(at, sizeof(at), "%zu", index);
    log_event("warn", "JWKS key skipped; the other keys are used", "setting", (const char *)user, "kid", kid,
              "index", at, "detail", why, NULL);
}

static bool set_(const char *v);

typedef struct fetch_buf {
    char *data;
    size_t len;
} fetch_buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    fetch_buf *b = user;
    size_t n = size * nmemb;
    if (b->len + n > MAX_JWKS_BYTES)
        return 0; /* curl fails the transfer: a JWKS is never this large */
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* One GET of the JWKS URL, parsed; NULL with a message. Runs off the event loops. */
static jwk_set *fetch(jwks_source *s, char *err, size_t errlen)
{
    CURL *curl = curl_easy_init();
    fetch_buf b = {0};
    char curl_err[CURL_ERROR_SIZE] = "";
    if (curl == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    curl_easy_setopt(curl, CURLOPT_URL, s->cfg.jwks_url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)FETCH_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    if (set_(s->cfg.ca_file)) {
        /* The file is the whole trust store: no directory of hashed certificates beside it. */
        curl_easy_setopt(curl, CURLOPT_CAINFO, s->cfg.ca_file);
        curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    jwk_set *set = NULL;
    if (rc != CURLE_OK)
        snprintf(err, errlen, "GET %s: %s", s->cfg.jwks_url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
    else
        set = jwk_set_parse(b.data ? b.data : "", b.len, s->secret, s->secret_len, on_skip, from_url, err,
                            errlen);
    free(b.data);
    return set;
}

/* Seconds on a clock that never steps: a wall-clock change must not stall or rush refreshes. */
static time_t now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Fetches and swaps in the new set; the old one lives on while requests hold it. */
static void refresh(jwks_source *s)
{
    char err[512];
    jwk_set *set = fetch(s, err, sizeof(err));
    pthread_mutex_lock(&s->lock);
    s->last_fetch = now_monotonic();
    jwk_set *old = NULL;
    if (set != NULL) {
        old = s->current;
        s->current = set;
    }
    pthread_mutex_unlock(&s->lock);
    jwk_set_release(old);
    if (set == NULL)
        log_event("error", "JWT_JWKS_URL fetch failed; keeping the previous keys", "detail", err, NULL);
}

static void *fetcher_main(void *arg)
{
    jwks_source *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        time_t now = now_monotonic();
        /* Without keys, retry at the rate limit; with keys, on schedule or on demand, never faster than it.
         */
        time_t due = s->current == NULL || s->want_refresh
                         ? s->last_fetch + (time_t)s->cfg.min_refresh_seconds
                         : s->last_fetch + (time_t)s->cfg.refresh_seconds;
        if (now < due) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += due - now;
            pthread_cond_timedwait(&s->wake, &s->lock, &until);
            continue;
        }
        s->want_refresh = false;
        pthread_mutex_unlock(&s->lock);
        refresh(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static bool set_(const char *v)
{
    return v != NULL && v[0] != '\0';
}

jwks_source *jwks_source_create(const jwks_source_config *cfg, char *err, size_t errlen)
{
    if (set_(cfg->jwks_file) && set_(cfg->jwks_url)) {
        snprintf(err, errlen, "JWT_JWKS_FILE and JWT_JWKS_URL are both set: choose one");
        return NULL;
    }
    jwks_source *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the fetcher's timed waits, like now_monotonic() */
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    size_t len = 0;
    if (set_(cfg->secret_file)) {
        char *text = read_file(cfg->secret_file, 4096, &len, err, errlen, "JWT_HS256_SECRET_FILE");
        if (text == NULL)
            goto fail;
        if (len > 0 && text[len - 1] == '\n') /* a file written by echo or an editor */
            len--;
        s->secret = (unsigned char *)text;
        s->secret_len = len;
        if (len < MIN_SECRET_BYTES) {
            snprintf(err, errlen,
                     "JWT_HS256_SECRET_FILE \"%s\": %zu bytes; HS256 needs at least %d (RFC 7518 3.2)",
                     cfg->secret_file, len, MIN_SECRET_BYTES);
            goto fail;
        }
    }
    if (set_(cfg->jwks_file)) {
        char *text = read_file(cfg->jwks_file, MAX_JWKS_BYTES, &len, err, errlen, "JWT_JWKS_FILE");
        char why[400];
        s->current =
            text ? jwk_set_parse(text, len, s->secret, s->secret_len, on_skip, from_file, why, sizeof(why))
                 : NULL;
        free(text);
        if (s->current == NULL) {
            if (text != NULL)
                snprintf(err, errlen, "JWT_JWKS_FILE \"%s\": %s", cfg->jwks_file, why);
            goto fail;
        }
    } else if (set_(cfg->jwks_url)) {
        if (set_(cfg->ca_file)) {
            /* A CA file that cannot be read would fail every fetch: say so at start-up instead. */
            char *pem = read_file(cfg->ca_file, 16u << 20, &len, err, errlen, "JWT_JWKS_CA_FILE");
            if (pem == NULL)
                goto fail;
            free(pem);
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        refresh(s); /* at start-up; a failure is logged and retried by the thread */
        if (pthread_create(&s->thread, NULL, fetcher_main, s) != 0) {
            snprintf(err, errlen, "JWT_JWKS_URL: cannot start the key fetcher thread");
            goto fail;
        }
        s->thread_started = true;
    } else if (s->secret != NULL) {
        s->current = jwk_set_secret(s->secret, s->secret_len);
    }
    return s;
fail:
    jwks_source_destroy(s);
    return NULL;
}

jwk_set *jwks_source_acquire(jwks_source *s)
{
    pthread_mutex_lock(&s->lock);
    jwk_set *set = jwk_set_retain(s->current);
    pthread_mutex_unlock(&s->lock);
    return set;
}

void jwks_source_unknown_kid(jwks_source *s)
{
    if (!s->thread_started)
        return; /* a file never changes under us */
    pthread_mutex_lock(&s->lock);
    if (!s->want_refresh) {
        s->want_refresh = true;
        pthread_cond_signal(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
}

void jwks_source_destroy(jwks_source *s)
{
    if (s == NULL)
        return;
    if (s->thread_started) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL); /* at most one fetch's timeout */
        curl_global_cleanup();
    }
    jwk_set_release(s->current);
    if (s->secret != NULL)
        OPENSSL_cleanse(s->secret, s->secret_len);
    free(s->secret);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
