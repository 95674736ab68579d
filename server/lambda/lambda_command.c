/*
 * Events addressed to gqld itself rather than sent by API Gateway:
 * {"gqld":"migrate"} applies the built-in migrations to DATABASE_URL, from
 * inside the function's VPC, with the function's own settings. It is how a
 * Lambda deployment, whose private subnets no operator host reaches, gets its
 * tables: infra/aws/deploy.sh invokes the function once with this payload after
 * each deploy (aws lambda invoke). Only a caller allowed lambda:InvokeFunction
 * can send it; API Gateway's events never have a top-level "gqld" member.
 *
 * The answer is {"command":"migrate","ok":true,"output":"<what gqld migrate prints>"};
 * a failure is the Lambda error Gqld.MigrateFailed, an unknown command
 * Gqld.UnknownCommand. It runs on the Runtime API thread, where blocking libpq
 * is fine (no event loop runs there), one event at a time like every other.
 */
#include "server/lambda/lambda_command.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers/admin.h"
#include "infra/build/embedded.h"
#include "server/log.h"

extern const gqld_embedded_file gqld_migrations[];

/* Command events are a few bytes; an API Gateway event this small with "gqld" in it is parsed for nothing. */
enum { MAX_COMMAND_EVENT = 4096 };

/* The command named by a {"gqld": "..."} event, strdup'd; NULL when the event is not one. */
static char *command_of(const char *event, size_t len)
{
    if (len > MAX_COMMAND_EVENT || memmem(event, len, "\"gqld\"", 6) == NULL)
        return NULL;
    json_t *root = json_loadb(event, len, 0, NULL);
    json_t *cmd = json_is_object(root) ? json_object_get(root, "gqld") : NULL;
    char *out = json_is_string(cmd) ? strdup(json_string_value(cmd)) : NULL;
    json_decref(root);
    return out;
}

static void answer_error(lambda_runtime *rt, const char *request_id, const char *type, const char *message)
{
    char post_err[256];
    log_event("error", "command event failed", "request_id", request_id, "type", type, "detail", message,
              NULL);
    if (lambda_runtime_error(rt, request_id, type, message, post_err, sizeof(post_err)) != 0)
        log_event("error", "the Runtime API refused the answer", "request_id", request_id, "detail", post_err,
                  NULL);
}

static void run_migrate(lambda_runtime *rt, const gqld_config *cfg, const char *request_id)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    char err[1024] = "";
    if (out == NULL) {
        answer_error(rt, request_id, "Gqld.MigrateFailed", "out of memory");
        return;
    }
    log_event("info", "migrate event: applying migrations", "request_id", request_id, NULL);
    int rc = db_migrate(cfg->database_url, gqld_migrations, out, err, sizeof(err));
    fclose(out);
    if (rc != 0) {
        answer_error(rt, request_id, "Gqld.MigrateFailed", err);
        free(text);
        return;
    }
    json_t *answer = json_pack("{s:s, s:b, s:s}", "command", "migrate", "ok", 1, "output", text ? text : "");
    char *body = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    json_decref(answer);
    free(text);
    if (body == NULL) {
        answer_error(rt, request_id, "Gqld.MigrateFailed", "out of memory");
        return;
    }
    char post_err[256];
    if (lambda_runtime_respond(rt, request_id, body, strlen(body), post_err, sizeof(post_err)) != 0)
        log_event("error", "the Runtime API refused the answer", "request_id", request_id, "detail", post_err,
                  NULL);
    else
        log_event("info", "migrate event: done", "request_id", request_id, NULL);
    free(body);
}

bool lambda_command_handle(lambda_runtime *rt, const gqld_config *cfg, const lambda_invocation *inv)
{
    char *command = command_of(inv->event, inv->event_len);
    if (command == NULL)
        return false;
    if (strcmp(command, "migrate") == 0) {
        run_migrate(rt, cfg, inv->request_id);
    } else {
        char message[160];
        snprintf(message, sizeof(message), "unknown gqld command \"%.64s\" (known: migrate)", command);
        answer_error(rt, inv->request_id, "Gqld.UnknownCommand", message);
    }
    free(command);
    return true;
}
