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
#   build.sh lambda ZIP          the Lambda deployment package for provided.al2023: bootstrap
#                                (the binary itself, its ELF interpreter and library path set to
#                                the bundled glibc loader and libraries under /var/task: no shell,
#                                no library of Amazon Linux's), every library it loads, and the CA
#                                files of share/gqld/. Byte-identical for the same build (fixed
#                                times, order and modes), so deploy.sh can name it by its digest.
#
# Both the image and the package carry, under share/gqld/:
#   amazon-root-ca.pem     Amazon Root CA 1-4 and Starfield Services Root CA G2 (from Debian's
#                          ca-certificates): what RDS Proxy's certificates chain to, for
#                          DATABASE_URL's sslmode=verify-full&sslrootcert=
#   ca-certificates.crt    (package only; the image has Debian's /etc/ssl/certs/ca-certificates.crt
#                          from the ca-certificates package) the Mozilla bundle, for JWT_JWKS_CA_FILE
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
        build-essential pkg-config meson ninja-build ca-certificates patchelf zip \
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
    amazon_roots >"$dest$prefix/share/gqld/amazon-root-ca.pem"
    { runtime_packages "$bin" && echo ca-certificates; } | sort -u >"$dest$prefix/share/gqld/runtime-packages"
    echo "build.sh: installed $bin; runtime packages: $(tr '\n' ' ' <"$dest$prefix/share/gqld/runtime-packages")" >&2
}

# The roots RDS Proxy's certificates (ACM's) chain to: Amazon Root CA 1-4 and Starfield Services
# Root CA G2, as Debian's ca-certificates ships them (Mozilla's program). Not the RDS bundle
# (global-bundle.pem), which is for the database instances' own certificates.
amazon_roots() {
    local dir=/usr/share/ca-certificates/mozilla f
    for f in Amazon_Root_CA_1 Amazon_Root_CA_2 Amazon_Root_CA_3 Amazon_Root_CA_4 \
        Starfield_Services_Root_Certificate_Authority_-_G2; do
        [[ -s $dir/$f.crt ]] || die "$dir/$f.crt is missing: install ca-certificates"
        cat "$dir/$f.crt"
    done
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
    local stage out task=/var/task
    out=$(realpath -m "$zip")
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' RETURN
    build "$stage/install" 2>/dev/null
    mkdir -p "$stage/pkg/lib" "$stage/pkg/share/gqld"
    cp "$stage/install$prefix/bin/gqld" "$stage/pkg/bootstrap"
    cp "$stage/install$prefix/share/gqld/amazon-root-ca.pem" "$stage/pkg/share/gqld/"
    [[ -s /etc/ssl/certs/ca-certificates.crt ]] || die "no /etc/ssl/certs/ca-certificates.crt: install ca-certificates"
    cp /etc/ssl/certs/ca-certificates.crt "$stage/pkg/share/gqld/ca-certificates.crt"
    local lib loader=
    while read -r lib; do
        cp -L "$lib" "$stage/pkg/lib/"
        [[ $lib == *ld-linux* ]] && loader=$(basename "$lib")
    done < <(libraries "$stage/pkg/bootstrap")
    [[ -n $loader ]] || die "no dynamic loader found for gqld"
    # Lambda execs /var/task/bootstrap. Its interpreter is the bundled loader and its DT_RPATH (which,
    # unlike RUNPATH, also serves the libraries' own dependencies) the bundled libraries, so it runs on
    # them alone, whatever Amazon Linux has, and needs no shell to start.
    command -v patchelf >/dev/null || die "patchelf is missing (build.sh build-deps installs it)"
    patchelf --set-interpreter "$task/lib/$loader" --force-rpath --set-rpath "$task/lib" "$stage/pkg/bootstrap"
    # Byte-identical output for the same build: fixed modes and times, sorted entries, no extra fields.
    chmod 755 "$stage/pkg/bootstrap" "$stage/pkg/lib/"*
    chmod 644 "$stage/pkg/share/gqld/"*
    find "$stage/pkg" -exec touch -h -d '2000-01-01 00:00:00 UTC' {} +
    rm -f "$out"
    (cd "$stage/pkg" && find . -type f | LC_ALL=C sort | TZ=UTC zip -q -X -D "$out" -@)
    echo "build.sh: wrote $zip ($(uname -m))" >&2
}

case ${1:-} in
build-deps) build_deps ;;
build) build "${2:-}" ;;
runtime) runtime "${2:-}" "${3:-}" ;;
lambda) lambda "${2:-}" ;;
*)
    sed -n '2,27p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
