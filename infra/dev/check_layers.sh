#!/usr/bin/env bash
# The layering rules of ARCHITECTURE.md, checked on every include of the
# project's C sources (./dev lint runs it). Prints each include that breaks a
# rule and exits 1 if there is any.
#   - every project include names its folder from the root ("cache/cache_lru.h");
#   - schema/base/ includes nothing of the project's but itself;
#   - schema/ includes only schema/;
#   - cache/ includes only the base layer (schema/base/) and cache/;
#   - resolvers/ includes schema/, cache/, resolvers/ and infra/build/; the
#     engine's face (resolvers/*.h) includes no private room of resolvers/;
#   - server/ includes of resolvers/ only its face (resolvers/*.h), and never
#     libpq (<libpq-fe.h> stays inside resolvers/db/).
set -euo pipefail
# LAYERS_ROOT: another tree laid out like this one (the script's own test uses one).
cd "${LAYERS_ROOT:-$(dirname "${BASH_SOURCE[0]}")/../..}"

status=0
broken() {
    echo "layers: $1:$2: #include \"$3\": $4" >&2
    status=1
}

# Files given on the command line (tests of this script), else the tracked ones.
if (($#)); then
    files=("$@")
else
    mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
        'schema/*.[ch]' 'cache/*.[ch]' 'resolvers/*.[ch]' 'server/*.[ch]')
fi

for f in "${files[@]}"; do
    while IFS=: read -r line text; do
        if [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<libpq-fe\.h\> ]]; then
            [[ $f == resolvers/db/* ]] || broken "$f" "$line" "libpq-fe.h" "libpq stays inside resolvers/db/"
            continue
        fi
        [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
        inc=${BASH_REMATCH[1]}
        [[ $inc == gqld_version.h ]] && continue # generated at the build root
        if [[ $inc != */* ]]; then
            broken "$f" "$line" "$inc" "name the header's folder from the root"
            continue
        fi
        case $f in
        schema/base/*)
            [[ $inc == schema/base/* ]] || broken "$f" "$line" "$inc" "the base layer includes nothing above it"
            ;;
        schema/*)
            [[ $inc == schema/* ]] || broken "$f" "$line" "$inc" "schema/ includes nothing above it"
            ;;
        cache/*)
            [[ $inc == schema/base/* || $inc == cache/* ]] ||
                broken "$f" "$line" "$inc" "cache/ includes only the base layer"
            ;;
        resolvers/*/*)
            [[ $inc == schema/* || $inc == cache/* || $inc == resolvers/* || $inc == infra/build/* ]] ||
                broken "$f" "$line" "$inc" "resolvers/ includes nothing of server/"
            ;;
        resolvers/*)
            [[ $inc == schema/* || $inc == cache/* || $inc == infra/build/* || $inc =~ ^resolvers/[^/]+$ ]] ||
                broken "$f" "$line" "$inc" "the engine's face includes no private header of resolvers/"
            ;;
        server/*)
            [[ $inc == resolvers/*/* ]] &&
                broken "$f" "$line" "$inc" "server/ sees only the engine's face (resolvers/*.h)"
            ;;
        esac
    done < <(grep -n '#[[:space:]]*include' "$f" || true)
done
((status == 0)) || echo "layers: see ARCHITECTURE.md, \"Layering rules\"" >&2
exit "$status"
