#!/usr/bin/env bash
# Installs the Debian packages gqld needs that are missing, and nothing else.
#   deps.sh             build, run and test (the default set)
#   deps.sh bench       + wrk (tests/bench/run.sh; its other tools come with the base set:
#                       pgbench with postgresql, node and npm for the peers and the
#                       fixed-rate generator, taskset in util-linux, perl in perl-base)
#   deps.sh lint        + clang-format, clang-tidy, shellcheck
#   deps.sh fuzz        + clang
# A no-op (one dpkg-query) when everything is installed. Never depends on the
# cluster Debian's postgresql package creates on port 5432: ours use other ports.
set -euo pipefail

packages=(build-essential pkg-config meson ninja-build
    libh2o-evloop-dev libpq-dev libmemcached-dev libjansson-dev libssl-dev
    libcurl4-openssl-dev # server/auth fetches JWT_JWKS_URL
    postgresql memcached
    zip unzip patchelf # the Lambda package: infra/docker/build.sh lambda (patchelf points bootstrap at its bundled loader), and its test
    curl openssl # the HTTPS tests: curl --http2 and openssl s_client against gqld, openssl req for their certificate
    chromium) # the browser tests (tests/browser); its fonts come with it (fontconfig-config -> fonts-dejavu-core)

for profile in "$@"; do
    case $profile in
    base) ;;
    bench) packages+=(wrk util-linux perl-base) ;;
    lint) packages+=(clang-format clang-tidy shellcheck) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;; # the runtime (libFuzzer, ASan) is only a Recommends of clang
    *)
        echo "deps.sh: unknown profile: $profile (base, bench, lint, fuzz)" >&2
        exit 2
        ;;
    esac
done

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
    grep -qx "$p installed" <<<"$installed" || missing+=("$p")
done
# Node runs the integration tests; any node >= 18 on PATH will do.
command -v node >/dev/null || missing+=(nodejs)
# npm installs the tests' packages and, at build time, the playground's (infra/playground).
command -v npm >/dev/null || missing+=(npm)

((${#missing[@]} == 0)) && exit 0

# A fresh machine may still run apt-daily/unattended-upgrades: wait for the dpkg lock.
apt_lock=(-o DPkg::Lock::Timeout=600)
apt_install=(apt-get "${apt_lock[@]}" install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: as root, run: apt-get update && ${apt_install[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_lock[@]}" update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${apt_install[@]}" -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold >/dev/null
