/*
 * log: JSON lines for operators. Events (start-up, state changes, errors) go to
 * stderr as {"time","level","msg",...}; the access log (access_log.c) owns
 * stdout. Each line is written with one write(2) so threads never interleave.
 */
#ifndef GQLD_LOG_H
#define GQLD_LOG_H

#include <stddef.h>

#include "schema/base/buf.h"

/* Severities, least first: the order of GQLD_LOG_LEVEL's words. */
typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Events below this level are dropped (GQLD_LOG_LEVEL); set once at start-up, before any thread. */
void log_set_level(log_level least);

/* Appends the current UTC time as ISO-8601 with milliseconds: 2026-11-23T14:10:32.123Z */
void log_put_time(base_buf *b);

/*
 * Writes {"time":...,"level":level,"msg":msg, key:value...} to stderr when
 * level ("debug", "info", "warn" or "error") is at least the set level. The
 * variadic part is pairs of const char * key and value, ended by NULL; values
 * are written as JSON strings.
 */
void log_event(const char *level, const char *msg, ...) __attribute__((sentinel));

#endif
