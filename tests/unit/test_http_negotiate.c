/*
 * The front door's pure parts that decide a status before anything runs:
 * Accept negotiation (406 or the response type) and the request
 * Content-Type check (415), as GraphQL over HTTP and RFC 9110 12.5.1 read.
 */
#include <string.h>

#include "check.h"
#include "server/http_negotiate.h"

static http_media accept_of(const char *value)
{
    return http_negotiate_accept(value, strlen(value));
}

static bool json_type(const char *value)
{
    return http_content_type_is_json(value, strlen(value));
}

int main(void)
{
    /* No preference: the legacy type, as the draft asks until its watershed. */
    CHECK_INT(accept_of(""), HTTP_MEDIA_JSON);
    CHECK_INT(accept_of("   "), HTTP_MEDIA_JSON);
    CHECK_INT(accept_of("*/*"), HTTP_MEDIA_JSON);
    CHECK_INT(accept_of("application/*"), HTTP_MEDIA_JSON);
    CHECK_INT(accept_of("application/json"), HTTP_MEDIA_JSON);
    CHECK_INT(accept_of("application/graphql-response+json"), HTTP_MEDIA_GRAPHQL_RESPONSE);
    /* The higher q wins; q=0 excludes. */
    CHECK_INT(accept_of("application/json;q=0.5, application/graphql-response+json"),
              HTTP_MEDIA_GRAPHQL_RESPONSE);
    CHECK_INT(accept_of("application/json, application/graphql-response+json;q=0.9"), HTTP_MEDIA_JSON);
    CHECK_INT(accept_of("application/json;q=0"), HTTP_MEDIA_NONE);
    CHECK_INT(accept_of("*/*;q=0, application/graphql-response+json"), HTTP_MEDIA_GRAPHQL_RESPONSE);
    /* At equal q an exact range beats a wildcard; two exact ranges mean the GraphQL type. */
    CHECK_INT(accept_of("*/*, application/graphql-response+json"), HTTP_MEDIA_GRAPHQL_RESPONSE);
    CHECK_INT(accept_of("application/json, application/graphql-response+json"), HTTP_MEDIA_GRAPHQL_RESPONSE);
    /* The most specific range gives a type its q. */
    CHECK_INT(accept_of("application/json;q=0, */*"), HTTP_MEDIA_GRAPHQL_RESPONSE);
    /* Nothing acceptable: 406. */
    CHECK_INT(accept_of("text/html"), HTTP_MEDIA_NONE);
    CHECK_INT(accept_of("application/xml, text/*"), HTTP_MEDIA_NONE);
    /* Every response is utf-8: another charset does not match, utf-8 in any case does. */
    CHECK_INT(accept_of("application/json; charset=iso-8859-1"), HTTP_MEDIA_NONE);
    CHECK_INT(accept_of("application/json; charset=UTF-8"), HTTP_MEDIA_JSON);
    /* Malformed ranges are ignored, well-formed ones around them still count. */
    CHECK_INT(accept_of(",,;q=1, application/graphql-response+json"), HTTP_MEDIA_GRAPHQL_RESPONSE);
    /* Nothing but malformed ranges: as if there were no Accept at all. */
    CHECK_INT(accept_of("garbage"), HTTP_MEDIA_JSON);
    /* Media types and parameter names are case-insensitive. */
    CHECK_INT(accept_of("Application/GraphQL-Response+JSON;Q=1"), HTTP_MEDIA_GRAPHQL_RESPONSE);

    CHECK_STR(http_media_content_type(HTTP_MEDIA_JSON), "application/json; charset=utf-8");
    CHECK_STR(http_media_content_type(HTTP_MEDIA_GRAPHQL_RESPONSE),
              "application/graphql-response+json; charset=utf-8");

    /* Request bodies: application/json, no charset or utf-8; anything else is 415. */
    CHECK(json_type("application/json"));
    CHECK(json_type("application/json; charset=utf-8"));
    CHECK(json_type("Application/JSON;charset=\"UTF-8\""));
    CHECK(json_type("application/json; foo=bar"));
    CHECK(!json_type("application/json; charset=latin1"));
    CHECK(!json_type("application/jsonx"));
    CHECK(!json_type("text/plain"));
    CHECK(!json_type("application/x-www-form-urlencoded"));
    CHECK(!json_type(""));

    return CHECK_EXIT();
}
