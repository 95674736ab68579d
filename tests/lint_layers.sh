#!/usr/bin/env bash
# The layering check (infra/dev/check_layers.sh): the project's tree passes,
# and every rule fails on a fixture that breaks it (tests/fixtures/layers/).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
check=$root/infra/dev/check_layers.sh
fail=0
"$check" || { echo "FAIL: the project's own includes break a layering rule"; fail=1; }
out=$(cd "$root/tests/fixtures/layers" && LAYERS_ROOT=. "$check" server/bad.c cache/bad.c schema/base/bad.c resolvers/bad.h 2>&1)
rc=$?
expect=(
    'server/bad.c:2: #include "resolvers/db/db_pool.h"'
    'server/bad.c:3: #include "gql_ast.h"'
    'server/bad.c:4: #include "libpq-fe.h"'
    'cache/bad.c:2: #include "schema/gql_ast.h"'
    'schema/base/bad.c:2: #include "cache/cache_lru.h"'
    'resolvers/bad.h:2: #include "resolvers/db/db_pool.h"'
)
((rc == 1)) || { echo "FAIL: exit status $rc on breaking fixtures"; fail=1; }
for e in "${expect[@]}"; do
    grep -qF "$e" <<<"$out" || { echo "FAIL: not reported: $e"; fail=1; }
done
n=$(grep -c '^layers: .*:[0-9]*: ' <<<"$out")
((n == ${#expect[@]})) || { echo "FAIL: $n reports, expected ${#expect[@]}:"; echo "$out"; fail=1; }
((fail == 0)) && echo "layers: every rule holds and each is enforced"
exit "$fail"
