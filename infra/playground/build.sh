#!/usr/bin/env bash
# Builds the playground's embedded files (run by server/meson.build):
#   build.sh EMBED OUT_IDENTITY.c OUT_GZIP.c DEPFILE STAGING_DIR
# 1. npm ci here when node_modules is missing or older than package-lock.json
#    (pinned GraphiQL and React UMD builds; the build needs the npm registry
#    once, and fails loudly without it rather than serve an empty page);
# 2. names each asset by its content (/playground/assets/NAME.HASH.EXT, so the
#    server can let browsers cache it for a year) and writes those URLs into
#    index.html;
# 3. compresses each file with gzip -9 -n (reproducible: no name, no time);
# 4. embeds the files with infra/build/embed twice, identity and gzip, in the
#    same order, and writes a depfile so that a changed or vanished
#    node_modules rebuilds this.
set -euo pipefail

if (($# != 5)); then
    echo "usage: $0 EMBED OUT_IDENTITY.c OUT_GZIP.c DEPFILE STAGING_DIR" >&2
    exit 2
fi
embed=$1 out_identity=$2 out_gzip=$3 depfile=$4 stage=$5
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
modules=$src/node_modules

fail() {
    echo "playground: $*" >&2
    exit 1
}

# logical name (the @name@ in index.html) -> package whose version goes in the URL, file
assets=(
    "react.js react $modules/react/umd/react.production.min.js"
    "react-dom.js react-dom $modules/react-dom/umd/react-dom.production.min.js"
    "graphiql.js graphiql $modules/graphiql/graphiql.min.js"
    "graphiql.css graphiql $modules/graphiql/graphiql.min.css"
    "playground.js - $src/playground.js"
    "playground.css - $src/playground.css"
)

installed() {
    [[ -f $modules/.package-lock.json && ! $src/package-lock.json -nt $modules/.package-lock.json ]] || return 1
    local a
    for a in "${assets[@]}"; do
        [[ -s ${a##* } ]] || return 1
    done
}

# Builds of several build directories may run at once: one npm ci at a time.
exec 9<"$src/package-lock.json"
flock 9
if ! installed; then
    echo "playground: npm ci in $src" >&2
    if ! (cd "$src" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2); then
        fail "npm ci in $src failed: the playground's assets (GraphiQL, React) come from the npm" \
            "registry at build time. Connect this machine to the registry once (npm's cache keeps them)," \
            "or copy a node_modules installed from the same package-lock.json into $src."
    fi
    installed || fail "npm ci in $src left the expected files missing (see the list in $0)"
fi

rm -rf "$stage"
mkdir -p "$stage"
html=$(<"$src/index.html")
names=() deps=("$src/index.html" "$src/package-lock.json")
for a in "${assets[@]}"; do
    read -r name package file <<<"$a"
    stem=${name%.*} ext=${name##*.}
    if [[ $package != - ]]; then
        version=$(node -p 'require(process.argv[1]).version' "$modules/$package/package.json")
        stem=$stem-$version
        deps+=("$modules/$package/package.json")
    fi
    hash=$(sha256sum "$file" | cut -c1-16)
    url=/playground/assets/$stem.$hash.$ext
    [[ $html == *"@$name@"* ]] || fail "index.html does not use @$name@"
    html=${html//"@$name@"/$url}
    cp "$file" "$stage/${url##*/}"
    names+=("$url=$stage/${url##*/}")
    deps+=("$file")
done
if [[ $html =~ @[a-z.-]+@ ]]; then
    fail "index.html names an unknown asset: ${BASH_REMATCH[0]}"
fi
printf '%s\n' "$html" >"$stage/index.html"
names=("index.html=$stage/index.html" "${names[@]}")

gz_names=()
for n in "${names[@]}"; do
    gzip -9 -n -c "${n#*=}" >"${n#*=}.gz"
    gz_names+=("$n.gz")
done

"$embed" "$out_identity" gqld_playground_files "${names[@]}"
"$embed" "$out_gzip" gqld_playground_files_gzip "${gz_names[@]}"

{
    printf '%s:' "$out_identity"
    printf ' \\\n  %s' "${deps[@]}"
    printf '\n'
} >"$depfile"
