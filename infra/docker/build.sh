#!/usr/bin/env bash
# The build and run steps of the container image, in one script that both the
# Dockerfile and a test on the host (tests/integration/docker_build.test.mjs)
# run, so that they cannot rot unseen where no Docker engine runs.
#
#   build.sh build-deps          install the Debian packages a build needs (root; the build stage)
#   build.sh build DESTDIR       release build installed under DESTDIR/usr/local, plus
#                                DESTDIR/usr/local/share/gqld/runtime-packages: the Debian
#                                packages that hold the libraries the binary loads (ldd + dpkg -S)
#   build.sh runtime DESTDIR [--dry-run]
#                                install those packages and create the unprivileged user gqld
#                                (root; the runtime stage); --dry-run prints what it would run
#   build.sh lambda ZIP          the Lambda deployment package for provided.al2023: bootstrap,
#                                the binary, and every library it loads (glibc and its loader
#                                included: Amazon Linux's glibc is older than Debian 12's)
#
# Environment: BUILD_DIR (the meson build directory; default build-release under the source).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
build_dir=${BUILD_DIR:-$src/build-release}
prefix=/usr/local
uid=10001

die() {
    echo "build.sh: $*" >&2
    exit 1
}

build_deps() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        build-essential pkg-config meson ninja-build ca-certificates \
        libh2o-evloop-dev libpq-dev libmemcached-dev libjansson-dev libssl-dev libcurl4-openssl-dev \
        nodejs npm >/dev/null # npm: the playground's pinned assets (infra/playground) at build time
}

# Release build, installed under $1.
build() {
    local dest=$1
    [[ -n $dest ]] || die "build needs a DESTDIR"
    if [[ ! -f $build_dir/build.ninja ]]; then
        meson setup "$build_dir" "$src" --buildtype=release --prefix="$prefix" >/dev/null
    fi
    meson compile -C "$build_dir" server/gqld >/dev/null
    meson install -C "$build_dir" --destdir "$dest" --no-rebuild --quiet >/dev/null
    local bin=$dest$prefix/bin/gqld
    [[ -x $bin ]] || die "meson install did not produce $bin"
    mkdir -p "$dest$prefix/share/gqld"
    runtime_packages "$bin" >"$dest$prefix/share/gqld/runtime-packages"
    echo "build.sh: installed $bin; runtime packages: $(tr '\n' ' ' <"$dest$prefix/share/gqld/runtime-packages")" >&2
}

# The shared libraries bin loads, one absolute path a line.
libraries() {
    ldd "$1" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'
}

# The Debian packages (without architecture) that own the libraries bin loads.
runtime_packages() {
    local lib owner
    libraries "$1" | while read -r lib; do
        # Merged /usr: dpkg may know the file under /lib or /usr/lib.
        owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null) ||
            die "no Debian package owns $lib"
        echo "${owner%%:*}"
    done | sort -u
}

runtime() {
    local dest=$1 dry=${2:-}
    local list=$dest$prefix/share/gqld/runtime-packages
    [[ -s $list ]] || die "no $list: run build first"
    local packages
    mapfile -t packages <"$list"
    local cmds=("apt-get update -qq"
        "apt-get install -y -qq --no-install-recommends ${packages[*]}"
        "rm -rf /var/lib/apt/lists/*"
        "useradd --system --uid $uid --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin gqld")
    if [[ $dry == --dry-run ]]; then
        printf '%s\n' "${cmds[@]}"
        return
    fi
    export DEBIAN_FRONTEND=noninteractive
    local c
    for c in "${cmds[@]}"; do
        eval "$c" >/dev/null
    done
}

lambda() {
    local zip=$1
    [[ -n $zip ]] || die "lambda needs the path of the zip to write"
    local stage out
    out=$(realpath -m "$zip")
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' RETURN
    build "$stage/install" 2>/dev/null
    mkdir -p "$stage/pkg/bin" "$stage/pkg/lib"
    cp "$stage/install$prefix/bin/gqld" "$stage/pkg/bin/gqld"
    local lib loader=
    while read -r lib; do
        cp -L "$lib" "$stage/pkg/lib/"
        [[ $lib == *ld-linux* ]] && loader=$(basename "$lib")
    done < <(libraries "$stage/pkg/bin/gqld")
    [[ -n $loader ]] || die "no dynamic loader found for gqld"
    # Lambda runs /var/task/bootstrap. The bundled loader runs the binary on the bundled
    # libraries only, whatever the host has: no dependency on Amazon Linux's packages.
    cat >"$stage/pkg/bootstrap" <<EOF
#!/bin/sh
here=\$(dirname "\$0")
exec "\$here/lib/$loader" --library-path "\$here/lib" "\$here/bin/gqld" "\$@"
EOF
    chmod 755 "$stage/pkg/bootstrap" "$stage/pkg/bin/gqld"
    rm -f "$out"
    (cd "$stage/pkg" && zip -q -r -X "$out" bootstrap bin lib)
    echo "build.sh: wrote $zip" >&2
}

case ${1:-} in
build-deps) build_deps ;;
build) build "${2:-}" ;;
runtime) runtime "${2:-}" "${3:-}" ;;
lambda) lambda "${2:-}" ;;
*)
    sed -n '2,17p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
