#!/usr/bin/env bash
# Load benchmark of gqld (./dev bench): the Product and nested Order queries
# in both DB_PROTOCOL modes (prepared, proxy) against the fixed /healthz
# response of the same server, and the database's own ceiling: the very SELECT
# gqld sends for Product (taken from pg_stat_statements) driven by pgbench
# with as many connections as gqld's pool, in the same run. Printed as a
# Markdown table. Figures, not assertions: nothing here fails on a slow machine.
#
# gqld runs with one worker thread pinned to core 0 and wrk with one thread on
# core 1 (when there are two cores and taskset), loopback only, bounded in time.
# Reuses the PostgreSQL and memcached of a running `./dev up`; otherwise starts
# throwaway ones (with the default sample data) and removes them afterwards.
#   BENCH_DURATION (10s)  BENCH_CONNECTIONS (64)  BENCH_WARMUP (2s)  BENCH_POOL_SIZE (8)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"
# shellcheck source=infra/dev/services.sh
. "$root/infra/dev/services.sh"

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-64}
warmup=${BENCH_WARMUP:-2s}
pool_size=${BENCH_POOL_SIZE:-8}

die() {
    echo "bench: $*" >&2
    exit 1
}

"$root/infra/dev/deps.sh" bench
mkdir -p "$root/.dev"
echo "bench: building build/ (release)" >&2
if [[ ! -f build/build.ninja ]]; then
    meson setup build --buildtype=release >"$root/.dev/meson-setup-build.log" 2>&1 ||
        { cat "$root/.dev/meson-setup-build.log" >&2; die "meson setup failed"; }
fi
meson compile -C build >"$root/.dev/meson-compile-build.log" 2>&1 ||
    { cat "$root/.dev/meson-compile-build.log" >&2; die "build failed"; }
gqld=$root/build/server/gqld

tmp=$(mktemp -d "$root/.dev/bench-$$-XXXXXX")
chmod 755 "$tmp" # the services' unprivileged users pass through it
gqld_pid=
cleanup() {
    if [[ -n $gqld_pid ]]; then
        kill -TERM "$gqld_pid" 2>/dev/null || true
        wait "$gqld_pid" 2>/dev/null || true
    fi
    svc_mc_stop "$tmp/memcached" || true
    svc_pg_stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if status=$(svc_pg_status "$root/.dev/pg"); then
    read -r _ pg_port _ <<<"$status"
    echo "bench: using the PostgreSQL of ./dev up (port $pg_port)" >&2
    database_url=postgresql://postgres@127.0.0.1:$pg_port/gqld
else
    pg_port=$(svc_free_port)
    svc_pg_start "$tmp/pg" "$pg_port"
    database_url=postgresql://postgres@127.0.0.1:$pg_port/gqld
    "$gqld" migrate --database-url "$database_url" >"$tmp/migrate.log" 2>&1 ||
        { cat "$tmp/migrate.log" >&2; die "migrate failed"; }
    "$gqld" seed --database-url "$database_url" >"$tmp/seed.log" 2>&1 ||
        { cat "$tmp/seed.log" >&2; die "seed failed"; }
fi
if status=$(svc_mc_status "$root/.dev/memcached"); then
    read -r _ mc_port _ <<<"$status"
else
    mc_port=$(svc_free_port)
    while [[ $mc_port == "$pg_port" ]]; do mc_port=$(svc_free_port); done
    svc_mc_start "$tmp/memcached" "$mc_port"
fi

server_cpu=() client_cpu=() placement="unpinned"
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
    server_cpu=(taskset -c 0)
    client_cpu=(taskset -c 1)
    placement="gqld on core 0, wrk on core 1"
fi

# start_gqld PROTOCOL: runs gqld in the background, sets gqld_pid and base, checks one answer.
# AUTH_MODE=none: the benchmark measures the data path; tokens are not part of it yet.
start_gqld() {
    : >"$tmp/gqld.err"
    AUTH_MODE=none DATABASE_URL=$database_url MEMCACHED_SERVERS=127.0.0.1:$mc_port GQLD_THREADS=1 \
        DB_POOL_SIZE=$pool_size DB_PROTOCOL=$1 GQLD_LISTEN=127.0.0.1:0 \
        "${server_cpu[@]}" "$gqld" serve >/dev/null 2>"$tmp/gqld.err" &
    gqld_pid=$!
    local address=
    for _ in $(seq 200); do
        address=$(sed -n 's/.*"msg":"listening".*"address":"\([^"]*\)".*/\1/p; s/.*"address":"\([^"]*\)".*"msg":"listening".*/\1/p' \
            "$tmp/gqld.err" | head -1)
        [[ -n $address ]] && break
        kill -0 "$gqld_pid" 2>/dev/null || { cat "$tmp/gqld.err" >&2; die "gqld exited"; }
        sleep 0.1
    done
    [[ -n $address ]] || { cat "$tmp/gqld.err" >&2; die "gqld did not report its address"; }
    base=http://$address

    # The benchmark measures the right answer or none at all.
    local expected='{"data":{"Product":{"productId":"notebook","productName":"notebook_red","price":19.99}}}'
    local actual
    # shellcheck disable=SC2016 # JavaScript, not shell
    actual=$(node -e '
        fetch(process.argv[1] + "/graphql", {method: "POST", headers: {"content-type": "application/json"},
            body: JSON.stringify({query: "{ Product(productId: \"notebook\") { productId productName price } }"})})
          .then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(e.message); process.exit(1); });
    ' "$base")
    [[ $actual == "$expected" ]] || die "unexpected answer from gqld ($1): $actual"
}

stop_gqld() {
    kill -TERM "$gqld_pid" 2>/dev/null || true
    wait "$gqld_pid" 2>/dev/null || true
    gqld_pid=
}

# run_wrk DURATION SCRIPT URL -> the script's BENCH line
run_wrk() {
    local secs=${1%s}
    timeout $((secs + 30)) "${client_cpu[@]}" wrk -t1 -c"$connections" -d"$1" -s "$2" "$3" | grep '^BENCH '
}
field() {
    sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"
}
ms() {
    awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'
}

pgbin=${GQLD_TEST_PGBIN:-}
if [[ -z $pgbin ]]; then
    for d in /usr/lib/postgresql/*/bin; do pgbin=$d; done
fi
psql_bin=psql pgbench_bin=pgbench
[[ -x $pgbin/psql ]] && psql_bin=$pgbin/psql
[[ -x $pgbin/pgbench ]] && pgbench_bin=$pgbin/pgbench

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: warming up ($warmup each), then $duration per scenario, $connections connections" >&2
start_gqld prepared
run_wrk "$warmup" tests/bench/healthz.lua "$base/healthz" >/dev/null
run_wrk "$warmup" tests/bench/product.lua "$base/graphql" >/dev/null
run_wrk "$warmup" tests/bench/orders.lua "$base/graphql" >/dev/null
ceiling=$(run_wrk "$duration" tests/bench/healthz.lua "$base/healthz")
product=$(run_wrk "$duration" tests/bench/product.lua "$base/graphql")
# gqld's Product SELECT as sent (with $1), the last statement of its connections.
sql=$("$psql_bin" -X -q -A -t -d "$database_url" -c "SELECT query FROM pg_stat_activity
    WHERE application_name = 'gqld' AND query LIKE '%product_name%' AND query NOT LIKE '%order%' LIMIT 1" \
    2>/dev/null || true)
orders=$(run_wrk "$duration" tests/bench/orders.lua "$base/graphql")
stop_gqld
start_gqld proxy
run_wrk "$warmup" tests/bench/product.lua "$base/graphql" >/dev/null
product_proxy=$(run_wrk "$duration" tests/bench/product.lua "$base/graphql")
orders_proxy=$(run_wrk "$duration" tests/bench/orders.lua "$base/graphql")
stop_gqld

# The database's ceiling: gqld's own Product SELECT (its one parameter made the
# literal 'notebook') under pgbench, prepared, with gqld's connection count.
pgbench_tps=
if [[ -n $sql && $sql == *"\$1"* && $sql != *"\$2"* ]] && command -v "$pgbench_bin" >/dev/null; then
    printf '%s;\n' "${sql//\$1/\'notebook\'}" >"$tmp/product.sql"
    pgbench_tps=$("${client_cpu[@]}" "$pgbench_bin" -n -M prepared -c "$pool_size" -j 1 -T "${duration%s}" \
        -f "$tmp/product.sql" "$database_url" 2>/dev/null |
        sed -n 's/^tps = \([0-9]*\).*/\1/p' | head -1)
fi

ceiling_rps=$(field "$ceiling" rps)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
version=$("$gqld" --version 2>/dev/null | head -1 || echo gqld)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
# shellcheck disable=SC2016 # JavaScript, not shell
buildtype=$(node -e '
    const o = require(process.argv[1]).find((x) => x.name === "buildtype");
    console.log(o ? o.value : "unknown");
' "$root/build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)

row() {
    local name=$1 line=$2 rps
    rps=$(field "$line" rps)
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$(ms "$(field "$line" p50_us)")" \
        "$(ms "$(field "$line" p99_us)")" "$(awk -v a="$rps" -v b="$ceiling_rps" 'BEGIN { printf "%.2f", a / b }')"
}

cat <<EOF

## gqld load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

- machine: $(nproc) cores, ${cpu:-unknown CPU}; $placement
- server: $version ($commit, $buildtype build), GQLD_THREADS=1, DB_POOL_SIZE=$pool_size, PostgreSQL and memcached on the same machine
- machine load average before the runs: $load
- load: wrk -t1 -c$connections -d$duration after a $warmup warm-up, keep-alive, loopback

| scenario | req/s | p50 | p99 | ratio to ceiling |
| --- | ---: | ---: | ---: | ---: |
EOF
row 'GET /healthz (fixed response: the ceiling)' "$ceiling"
row 'POST /graphql Product(productId: "notebook"), DB_PROTOCOL=prepared' "$product"
row 'POST /graphql Product(productId: "notebook"), DB_PROTOCOL=proxy' "$product_proxy"
row 'POST /graphql Order(customerId: "4567") { ... items { ... product { ... } } }, prepared' "$orders"
row 'POST /graphql Order(customerId: "4567") { ... items { ... product { ... } } }, proxy' "$orders_proxy"
ratio() {
    awk -v a="$(field "$1" rps)" -v b="$pgbench_tps" 'BEGIN { printf "%.2f", a / b }'
}
if [[ -n $pgbench_tps ]]; then
    echo
    echo "| database ceiling, same run | per second | gqld Product / pgbench |"
    echo "| --- | ---: | ---: |"
    echo "| pgbench -M prepared -c $pool_size -j 1, gqld's Product SELECT | $pgbench_tps | prepared $(ratio "$product"), proxy $(ratio "$product_proxy") |"
else
    echo
    echo "note: no pgbench ceiling (pgbench missing, or gqld's Product SELECT not seen in pg_stat_activity)"
fi
for line in "$ceiling" "$product" "$product_proxy" "$orders" "$orders_proxy"; do
    if [[ $(field "$line" errors) != 0 ]]; then
        echo
        echo "note: errors in a run ($line)"
    fi
done
