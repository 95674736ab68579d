#include "server/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/*
 * Every access-log line starts with the time, and its date and seconds change
 * once a second: each thread formats them once a second and writes the
 * milliseconds by hand (printf here was a visible share of a cached request).
 */
void log_put_time(base_buf *b)
{
    static _Thread_local time_t second = -1;
    static _Thread_local char prefix[64]; /* "2026-11-23T18:25:19" */
    static _Thread_local size_t prefix_len;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != second) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        int n = snprintf(prefix, sizeof(prefix), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        prefix_len = n > 0 && (size_t)n < sizeof(prefix) ? (size_t)n : 0;
        second = tv.tv_sec;
    }
    unsigned ms = (unsigned)(tv.tv_usec / 1000);
    const char millis[5] = {'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10),
                            'Z'};
    base_buf_append(b, prefix, prefix_len);
    base_buf_append(b, millis, sizeof(millis));
}

/* Configuration read at start-up, like the settings: written before the threads start, then only read. */
static log_level least_level = LOG_INFO;

void log_set_level(log_level least)
{
    least_level = least;
}

static log_level level_of(const char *level)
{
    switch (level[0]) {
    case 'd':
        return LOG_DEBUG;
    case 'w':
        return LOG_WARN;
    case 'e':
        return LOG_ERROR;
    default:
        return LOG_INFO;
    }
}

void log_event(const char *level, const char *msg, ...)
{
    if (level_of(level) < least_level)
        return;
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{\"time\":\"");
    log_put_time(&b);
    base_buf_puts(&b, "\",\"level\":");
    base_buf_json_string(&b, level, strlen(level));
    base_buf_puts(&b, ",\"msg\":");
    base_buf_json_string(&b, msg, strlen(msg));
    va_list ap;
    va_start(ap, msg);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        base_buf_putc(&b, ',');
        base_buf_json_string(&b, key, strlen(key));
        base_buf_putc(&b, ':');
        if (value == NULL)
            base_buf_puts(&b, "null");
        else
            base_buf_json_string(&b, value, strlen(value));
    }
    va_end(ap);
    base_buf_puts(&b, "}\n");
    if (!b.failed) {
        ssize_t unused = write(STDERR_FILENO, b.data, b.len);
        (void)unused; /* nowhere left to report a failed log write */
    }
    base_buf_free(&b);
}
