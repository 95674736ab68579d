#!/usr/bin/env bash
# Load benchmark of gqld (./dev bench), end to end on this machine, with its ceilings and
# two Node peers in the same run; writes tests/bench/report.md and tests/bench/report.svg
# and prints the report. Figures, not assertions: nothing here fails on a slow machine,
# but a wrong answer from any server stops the run.
#
# Scenarios (each after a warm-up, for a fixed duration, bounded connections, loopback):
#   1 typename  POST { __typename }: HTTP + GraphQL alone
#   2 product   Product(productId) with Zipf ids (s = 1.1) over 100,000 products (product.lua)
#   3 order     Order(customerId) { ... items { ... product { productName price } } },
#               customers uniform over 10,000 (orders.lua)
#   5 products  products(first: 20, after: <a uniformly random page's cursor>) catalog pages
#               (products.lua; the cursors, one per page of 20, from a walk of the catalog)
#   4 mix       90% product, 10% order at a fixed rate, open loop, latency from the intended
#               send time (openloop.mjs: Node, since Debian has no wrk2); gqld only
#   2w product-warm  scenario 2 on gqld-mc and gqld-cache after every product was read once
#               (warm.lua, until gqld has stored them all): the warm cache of issue 5, each next
#               to its ceiling, the same requests POSTed to /healthz of the same process
#               (healthz-zipf: a fixed response whatever the body), and GET /healthz
#   2h product-hot  one product again and again (product_one.lua: a fixed body), on gqld-mc
#               and gqld-cache: every read after the first a hit; ceiling healthz-one
#   6 place     placeOrder, every request a new order (place.lua: a uniform customer, two
#               lines), closed loop; ceiling: pgbench running gqld's two statements (captured
#               from PostgreSQL's log) in one pipeline, on as many connections as gqld's
#               writer pool (BENCH_WRITE_POOL)
#   7 spike     placeOrder open loop at BENCH_SPIKE_STEADY (100) req/s for 5 s, ten times that for
#               BENCH_SPIKE_S (10) s, then back for 5 s, on a writer pool of BENCH_SPIKE_WRITE_POOL
#               (1) connection (so that the spike overloads it at a rate the Node generator sends),
#               with reads (scenario 4's mix) at BENCH_SPIKE_READS (rate / 8) req/s throughout
#               (spike.mjs): orders placed, refused (503), lost and duplicated (checked in the
#               database), p99 of the accepted ones, the reads' p99 during the spike.
#               Scenarios 6 and 7 run last: they add orders.
#   2w and 2h again on `gqld-cache-rl`: gqld-cache with a rate limit on every request
#               (GQLD_RATE_LIMIT_ADMIN so high nothing is refused, reconciled through the same
#               memcached): what the limiter costs a cached read (the cost check runs in every
#               variant: GQLD_MAX_COST's default)
# Ceilings: GET /healthz of the same gqld (fixed response), and pgbench running the very
# SELECTs gqld sends for scenarios 2 and 3 (captured from PostgreSQL's log), prepared, with
# as many connections as gqld's pool. Peers (tests/bench/peers, npm ci from the lockfile):
# graphql-yoga and mercurius + graphql-jit, pg Pool of the same size, DataLoader; on
# scenarios 2 and 3 each peer runs again with its stack's own response cache plugin kept in
# the same memcached (BENCH_PEER_CACHE=on: `yoga-cache`, `mercurius-cache`; keys prefixed
# per stack, so no server reads another's entries).
# gqld runs as variants: `gqld` (DB_PROTOCOL=prepared) and `gqld-proxy` (DB_PROTOCOL=proxy,
# as behind RDS Proxy), both without a response cache, on scenarios 2, 3 and 5; `gqld-mc`
# (the response cache in memcached only: GQLD_CACHE=on GQLD_CACHE_LOCAL_BYTES=0) and
# `gqld-cache` (the in-process tier in front of memcached) on scenarios 2 and 3, and the mix
# again with both tiers. Then scenario 2 once more on `gqld-mc` with memcached stopped
# halfway through the run (its p99 against the cache-off p99). Hit ratios come from gqld's
# GET /metrics, read before and after each measured run.
#
# Always a throwaway PostgreSQL (seeded with the benchmark's sizes) and memcached, removed
# afterwards. Servers on core 0, load generators on core 1 (taskset, when there are two
# cores); PostgreSQL floats.
#   BENCH_DURATION (10s)  BENCH_WARMUP (3s: Node peers JIT-compile)  BENCH_CONNECTIONS (64)  BENCH_DB_POOL (8)
#   BENCH_RATE (2000 req/s, scenario 4)  BENCH_PEERS (yoga mercurius; "" for none)
#   BENCH_PRODUCTS (100000)  BENCH_CUSTOMERS (10000)  BENCH_ORDERS (50000)
#   BENCH_OUT (tests/bench: where report.md and report.svg go)
#   BENCH_WRITE_POOL (4)  BENCH_SPIKE_STEADY (100)  BENCH_SPIKE_S (10)  BENCH_SPIKE_READS  BENCH_SPIKE_WRITE_POOL (1)
#   BENCH_SCENARIOS (all: "healthz typename product order products mix warm mckill place spike";
#   a list runs those alone)
# shellcheck disable=SC2016 # GraphQL variables and JavaScript in single quotes, on purpose
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"
# shellcheck source=infra/dev/services.sh
. "$root/infra/dev/services.sh"

duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-3s}
connections=${BENCH_CONNECTIONS:-64}
db_pool=${BENCH_DB_POOL:-8}
rate=${BENCH_RATE:-2000}
peers=${BENCH_PEERS-yoga mercurius}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-100000} BENCH_CUSTOMERS=${BENCH_CUSTOMERS:-10000}
orders=${BENCH_ORDERS:-50000}
out=${BENCH_OUT:-tests/bench} # where report.md and report.svg go
write_pool=${BENCH_WRITE_POOL:-4}
spike_secs=${BENCH_SPIKE_S:-10}
# wanted NAME...: those of the scenarios named that BENCH_SCENARIOS asks for (all when unset)
wanted() {
    local s
    for s; do
        [[ -z ${BENCH_SCENARIOS:-} || " $BENCH_SCENARIOS " == *" $s "* ]] && echo "$s"
    done
    return 0
}
mkdir -p "$out"
secs=${duration%s} warm_secs=${warmup%s}

die() {
    echo "bench: $*" >&2
    exit 1
}
say() {
    echo "bench: $*" >&2
}

"$root/infra/dev/deps.sh" bench
mkdir -p "$root/.dev"
say "building build/ (release)"
if [[ ! -f build/build.ninja ]]; then
    meson setup build --buildtype=release >"$root/.dev/meson-setup-build.log" 2>&1 ||
        { cat "$root/.dev/meson-setup-build.log" >&2; die "meson setup failed"; }
fi
# build/ may have been set up by another command (./dev lint) with meson's default type.
meson configure build -Dbuildtype=release >/dev/null || die "meson configure failed"
meson compile -C build >"$root/.dev/meson-compile-build.log" 2>&1 ||
    { cat "$root/.dev/meson-compile-build.log" >&2; die "build failed"; }
gqld=$root/build/server/gqld

peer_note=
if [[ -n $peers ]] && (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
    # mercurius 16 and fastify 5 need Node 20 or newer (Debian 12's nodejs is 18).
    peer_note="peers skipped: they need Node 20 or newer, this is $(node --version)"
    say "$peer_note"
    peers=
fi
if [[ -n $peers ]]; then
    say "installing the peers (npm ci, tests/bench/peers/package-lock.json)"
    npm ci --prefix tests/bench/peers --no-audit --no-fund --loglevel=error >"$root/.dev/bench-npm.log" 2>&1 ||
        { cat "$root/.dev/bench-npm.log" >&2; die "npm ci failed in tests/bench/peers"; }
fi

tmp=$(mktemp -d "$root/.dev/bench-$$-XXXXXX")
chmod 755 "$tmp" # the services' unprivileged users pass through it
server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
cleanup() {
    stop_server
    svc_mc_stop "$tmp/memcached" || true
    svc_pg_stop "$tmp/pg" || true
    [[ -n ${BENCH_KEEP_TMP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_port=$(svc_free_port)
svc_pg_start "$tmp/pg" "$pg_port"
pg_bin=$(svc_pg_bin)
database_url=postgresql://postgres@127.0.0.1:$pg_port/gqld
"$gqld" migrate --database-url "$database_url" >"$tmp/migrate.log" 2>&1 ||
    { cat "$tmp/migrate.log" >&2; die "migrate failed"; }
say "seeding $BENCH_PRODUCTS products, $BENCH_CUSTOMERS customers, $orders orders"
"$gqld" seed --database-url "$database_url" --products "$BENCH_PRODUCTS" --customers "$BENCH_CUSTOMERS" \
    --orders "$orders" >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; die "seed failed"; }
"$pg_bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d gqld -c 'VACUUM ANALYZE' >/dev/null
mc_port=$(svc_free_port)
while [[ $mc_port == "$pg_port" ]]; do mc_port=$(svc_free_port); done
svc_mc_start "$tmp/memcached" "$mc_port"

server_cpu=() client_cpu=() placement="unpinned (fewer than two cores or no taskset)"
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
    server_cpu=(taskset -c 0)
    client_cpu=(taskset -c 1)
    placement="servers (gqld, the peers) pinned to core 0, load generators (wrk, node, pgbench) to core 1 with taskset; PostgreSQL unpinned"
fi

# start_gqld [ENV...]: gqld on a free port, one worker thread, the given settings last;
# sets base and server_pid.
start_gqld() {
    : >"$tmp/server.err"
    env AUTH_MODE=none DATABASE_URL="$database_url" MEMCACHED_SERVERS="127.0.0.1:$mc_port" GQLD_THREADS=1 \
        DB_POOL_SIZE="$db_pool" DB_PROTOCOL=prepared GQLD_LISTEN=127.0.0.1:0 "$@" \
        "${server_cpu[@]}" "$gqld" serve >/dev/null 2>"$tmp/server.err" &
    server_pid=$!
    local address=
    for _ in $(seq 200); do
        address=$(sed -n 's/.*"msg":"listening".*"address":"\([^"]*\)".*/\1/p; s/.*"address":"\([^"]*\)".*"msg":"listening".*/\1/p' \
            "$tmp/server.err" | head -1)
        [[ -n $address ]] && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; die "gqld exited"; }
        sleep 0.1
    done
    [[ -n $address ]] || { cat "$tmp/server.err" >&2; die "gqld did not report its address"; }
    base=http://$address
}

# start_peer NAME [on]: a Node peer on a free port, with its response cache in memcached
# when the second argument is "on"; sets base and server_pid.
start_peer() {
    : >"$tmp/server.out"
    DATABASE_URL=$database_url BENCH_DB_POOL=$db_pool NODE_ENV=production \
        MEMCACHED_SERVERS=127.0.0.1:$mc_port BENCH_PEER_CACHE=${2:-off} \
        "${server_cpu[@]}" node "tests/bench/peers/$1.js" >"$tmp/server.out" 2>"$tmp/server.err" &
    server_pid=$!
    base=
    for _ in $(seq 300); do
        base=$(sed -n 's/^listening //p' "$tmp/server.out" | head -1)
        [[ -n $base ]] && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; die "peer $1 exited"; }
        sleep 0.1
    done
    [[ -n $base ]] || { cat "$tmp/server.err" >&2; die "peer $1 did not report its address"; }
}

# The benchmark measures the right answer or none at all: every server must give gqld's
# answers (as JSON values: 234.70 and 234.7 are the same number) to these queries (the peers:
# all but the last, catalog pages, which they do not implement).
queries=(
    '{"query":"{ __typename }"}'
    '{"query":"{ Product(productId: \"notebook\") { productId productName price } }"}'
    '{"query":"query($id: ID!) { Product(productId: $id) { productId productName price } }","variables":{"id":"p000042"}}'
    '{"query":"query($c: ID!) { Order(customerId: $c) { orderId orderRef createdAt total items { quantity unitPrice product { productName price } } } }","variables":{"c":"4567"}}'
    '{"query":"query($after: String) { products(first: 20, after: $after) { items { productId productName price } pageInfo { endCursor hasNextPage } } }","variables":{"after":"@CURSOR@"}}'
)
# shellcheck disable=SC2016 # JavaScript, not shell
answers() {
    node -e '
        const [base, ...qs] = process.argv.slice(1);
        (async () => {
          const out = [];
          for (const q of qs) {
            const r = await fetch(base + "/graphql", {method: "POST", headers: {"content-type": "application/json"}, body: q});
            out.push(JSON.parse(await r.text()));
          }
          console.log(JSON.stringify(out));
        })().catch((e) => { console.error(e.message); process.exit(1); });
    ' "$1" "${queries[@]}"
}

results=$tmp/results.tsv
: >"$results"
# record SERVER SCENARIO BENCH-LINE
record() {
    [[ $3 == BENCH* ]] || die "$1 $2: no result ($3)"
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"
    say "  $1 $2: ${3#BENCH }"
}
# run_wrk SECS SCRIPT URL -> the script's BENCH line
run_wrk() {
    timeout $(($1 + 30)) "${client_cpu[@]}" wrk -t1 -c"$connections" -d"$1s" -s "$2" "$3" | grep '^BENCH ' || true
}
# cache_counts: "hits misses" of the response cache, from the running server's GET /metrics
# (gqld's counters, or a peer's gets from memcached with its cache on)
# shellcheck disable=SC2016 # JavaScript, not shell
cache_counts() {
    node -e '
        fetch(process.argv[1] + "/metrics").then((r) => r.text()).then((text) => {
          let hits = 0, misses = 0;
          for (const line of text.split("\n")) {
            const v = Number(line.split(" ").pop());
            if (/^(gqld|peer)_cache_hits_total/.test(line)) hits += v;
            else if (/^(gqld|peer)_cache_misses_total/.test(line)) misses += v;
          }
          console.log(hits, misses);
        }).catch((e) => { console.error(e.message); process.exit(1); });
    ' "$base"
}
# measured SERVER CMD...: runs CMD (which prints a BENCH line); for a server with a response
# cache on, appends the hit ratio over the run
# cpu_times: "steal total" jiffies of all CPUs (/proc/stat): on a virtual machine, steal is
# time the hypervisor gave to other guests; a run with much of it measured a slower machine.
cpu_times() {
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat
}
# steal_since "STEAL TOTAL": steal_pct=N, the share of CPU time stolen since then
steal_since() {
    awk -v b="$1" -v a="$(cpu_times)" 'BEGIN {
        split(b, x, " "); split(a, y, " "); d = y[2] - x[2];
        printf "steal_pct=%.1f", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }'
}
measured() {
    local server=$1 before after line times
    shift
    [[ $server != gqld-mc && $server != *-cache ]] || before=$(cache_counts)
    times=$(cpu_times)
    line="$("$@") $(steal_since "$times")"
    if [[ -n ${before:-} ]]; then
        after=$(cache_counts)
        line+=" $(awk -v b="$before" -v a="$after" 'BEGIN {
            split(b, x, " "); split(a, y, " "); h = y[1] - x[1]; m = y[2] - x[2];
            if (h + m > 0) printf "hit_ratio=%.4f", h / (h + m) }')"
    fi
    echo "$line"
}
# scenario SERVER NAME SCRIPT URL: warm-up, then the measured run
scenario() {
    run_wrk "$warm_secs" "$3" "$4" >/dev/null
    record "$1" "$2" "$(measured "$1" run_wrk "$secs" "$3" "$4")"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
say "warm-up ${warmup}, then ${duration} per run, $connections connections, DB pool $db_pool"

# --- the catalog's page cursors (a MAC in each: only gqld makes them), one per page of 20, as a
# client walking the catalog gets them: ten pages' ends per request (aliases), for products.lua ---
page_cursors() {
    node -e '
        const base = process.argv[1];
        const fields = Array.from({ length: 10 }, (_, i) =>
          `p${i}: products(first: ${20 * (i + 1)}, after: $after) { pageInfo { endCursor hasNextPage } }`);
        const query = `query($after: String) { ${fields.join(" ")} }`;
        (async () => {
          const seen = new Set();
          for (let after = null; ;) {
            const r = await fetch(base + "/graphql", { method: "POST", headers: { "content-type": "application/json" },
              body: JSON.stringify({ query, variables: { after } }) });
            const data = (await r.json()).data;
            for (let i = 0; i < 10; i++) {
              const c = data[`p${i}`].pageInfo.endCursor;
              if (c !== null && !seen.has(c)) seen.add(c), console.log(c);
            }
            if (!data.p9.pageInfo.hasNextPage) break;
            after = data.p9.pageInfo.endCursor;
          }
        })().catch((e) => { console.error(e.message); process.exit(1); });
    ' "$1"
}
start_gqld
page_cursors "$base" >"$tmp/cursors.txt" || die "could not walk the catalog's pages"
stop_server
export BENCH_CURSORS=$tmp/cursors.txt
say "$(wc -l <"$tmp/cursors.txt") page cursors"
queries[${#queries[@]} - 1]=${queries[-1]/@CURSOR@/$(sed -n 2p "$tmp/cursors.txt")}

# --- the SELECTs gqld sends, for pgbench: one short-lived gqld logging its statements ---
pg_log=$tmp/pg/postgres.log
start_gqld PGOPTIONS='-c log_statement=all' DB_WRITE_POOL_SIZE="$write_pool"
expected=$(answers "$base")
# placeOrder's statements too (a request as place.lua sends it)
curl -sf "$base/graphql" -H 'content-type: application/json' -d '{"query":"mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { orderId orderRef status total createdAt } }","variables":{"input":{"customerId":"1","idempotencyKey":"bench-capture","items":[{"productId":"p000001","quantity":1},{"productId":"p000002","quantity":1}]}}}' |
    grep -q '"placeOrder":{"orderId"' || die "placeOrder failed"
stop_server
capture() { # capture PATTERN -> the statement's text and its parameters' values, one per line
    grep -a "LOG:  execute [^:]*: SELECT .*$1" "$pg_log" | tail -1 | sed 's/.*LOG:  execute [^:]*: //'
    grep -a -A1 "LOG:  execute [^:]*: SELECT .*$1" "$pg_log" | tail -1 |
        sed -n 's/.*DETAIL:  parameters: //p' | tr ',' '\n' | sed -n "s/^ *\\\$[0-9]* = '\\(.*\\)'\$/\\1/p"
}
# pgbench_script FILE SETLINE VAREXPR PATTERN: $1 becomes VAREXPR, later parameters their logged values
pgbench_script() {
    local file=$1 lines sql i
    mapfile -t lines < <(capture "$4")
    ((${#lines[@]} >= 2)) || die "could not capture gqld's SQL for $4 from PostgreSQL's log"
    # pgbench reads :name as a variable, even in a string literal ('HH24:MI:SS'): such
    # literals become the same strings written as U&'...\\003A...' (no colon).
    sql=$(perl -pe "s/'((?:[^']|'')*)'/my \$l = \$1; \$l =~ s{:}{\\\\003A}g ? \"U&'\$l'\" : \"'\$l'\"/ge" <<<"${lines[0]}")
    for ((i = ${#lines[@]} - 1; i >= 2; i--)); do
        sql=${sql//"\$$i"/"'${lines[i]}'"}
    done
    sql=${sql//"\$1"/"$3"}
    printf '%s\n%s;\n' "$2" "$sql" >"$file"
}
pgbench_script "$tmp/product.sql" "\\set n random_zipfian(1, $BENCH_PRODUCTS, 1.1)" \
    "('p' || lpad(:n::text, 6, '0'))" 'FROM products t0 WHERE t0.product_id = \$1'
pgbench_script "$tmp/order.sql" "\\set c random(1, $BENCH_CUSTOMERS)" ":c" 'FROM orders t0 .* WHERE t0.customer_id = \$1::bigint ORDER BY'
pgbench_script "$tmp/products.sql" "\\set n random(1, $BENCH_PRODUCTS)" \
    "('p' || lpad(:n::text, 6, '0'))" 'FROM products t0 WHERE t0.product_id > \$1'

# pgbench_place_script FILE: placeOrder's write and the read of its answer as gqld sends
# them, in one pipeline (one transaction under one Sync, as gqld sends them), with what
# place.lua draws: a uniform customer, a product and the one after it, a new key each time.
pgbench_place_script() {
    local write read sql key i
    local values=()
    write=$(capture 'gqld_place_order' | sed -n 1p)
    read=$(capture 'FROM orders t0 WHERE t0.order_id = (SELECT l.order_id FROM idempotency_keys' | sed -n 1p)
    [[ -n $write && -n $read ]] || die "could not capture gqld's placeOrder statements from PostgreSQL's log"
    key="('pgb-' || :client_id || '-' || :k)"
    values=(":c" "$key" "md5(:k::text)" "ARRAY['p' || lpad(:p::text, 6, '0'), 'p' || lpad(:p2::text, 6, '0')]"
        "ARRAY[:q1, :q2]" "86400")
    {
        printf '\\set c random(1, %s)\n\\set p random(1, %s)\n\\set p2 :p %% %s + 1\n' "$BENCH_CUSTOMERS" \
            "$BENCH_PRODUCTS" "$BENCH_PRODUCTS"
        printf '\\set k random(1, 999999999999)\n\\set q1 1 + :k %% 5\n\\set q2 1 + :k %% 3\n\\startpipeline\n'
        for sql in "$write" "$read"; do
            sql=$(perl -pe "s/'((?:[^']|'')*)'/my \$l = \$1; \$l =~ s{:}{\\\\003A}g ? \"U&'\$l'\" : \"'\$l'\"/ge" <<<"$sql")
            for ((i = ${#values[@]}; i >= 1; i--)); do
                sql=${sql//"\$$i"/"${values[i - 1]}"}
            done
            printf '%s;\n' "$sql"
            values=(":c" "$key") # the read's parameters: the customer and the key
        done
        printf '\\endpipeline\n'
    } >"$1"
}
pgbench_place_script "$tmp/place.sql"

# run_pgbench NAME SCRIPT [CONNECTIONS]: per-transaction log -> percentiles
run_pgbench() {
    local name=$1 script=$2 out tps lat
    local args=(-n -M prepared -c "${3:-$db_pool}" -j 1 -h 127.0.0.1 -p "$pg_port" -U postgres -f "$script")
    timeout $((warm_secs + 30)) "${client_cpu[@]}" "$pg_bin/pgbench" "${args[@]}" -T "$warm_secs" gqld >/dev/null 2>&1 || true
    rm -f "$tmp"/pgbench_log.*
    local times
    times=$(cpu_times)
    out=$(timeout $((secs + 30)) "${client_cpu[@]}" "$pg_bin/pgbench" "${args[@]}" -T "$secs" \
        -l --log-prefix="$tmp/pgbench_log" gqld 2>&1) || { echo "$out" >&2; die "pgbench $name failed"; }
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | tail -1)
    lat=$(cat "$tmp"/pgbench_log.* | awk '{ print $3 }' | sort -n | awk '
        { v[NR] = $1 }
        END { printf "p50_us=%d p90_us=%d p99_us=%d", v[int(NR * 0.50 + 0.5)], v[int(NR * 0.90 + 0.5)], v[int(NR * 0.99 + 0.5)] }')
    record pgbench "$name" "BENCH requests=$(cat "$tmp"/pgbench_log.* | wc -l) rps=${tps%.*} $lat errors=0 non2xx=0 $(steal_since "$times")"
}
# flush_memcached: every server starts with an empty memcached (gqld-mc and gqld-cache
# share keys: without it, gqld-cache would start with gqld-mc's entries, which no peer gets)
flush_memcached() {
    local reply
    exec 3<>"/dev/tcp/127.0.0.1/$mc_port" || die "memcached: cannot connect to port $mc_port"
    printf 'flush_all\r\n' >&3
    read -r -t 5 reply <&3 || true
    exec 3>&-
    [[ $reply == OK* ]] || die "memcached: flush_all answered '$reply'"
}
# start_server NAME: a gqld variant, or a peer that must first give gqld's answers; each
# starts with an empty memcached.
start_server() {
    flush_memcached
    case $1 in
    gqld) start_gqld DB_WRITE_POOL_SIZE="$write_pool" && return ;;
    gqld-proxy) start_gqld DB_PROTOCOL=proxy && return ;;
    gqld-mc) start_gqld GQLD_CACHE=on GQLD_CACHE_LOCAL_BYTES=0 && return ;;
    gqld-cache) start_gqld GQLD_CACHE=on && return ;;
    # AUTH_MODE=none: every request is an admin, charged to GQLD_RATE_LIMIT_ADMIN (by client IP)
    gqld-cache-rl) start_gqld GQLD_CACHE=on GQLD_RATE_LIMIT_ADMIN=1000000000:2000000000 && return ;;
    *-cache) start_peer "${1%-cache}" on ;;
    *) start_peer "$1" ;;
    esac
    local actual pass
    # with a response cache, twice: the second answers come from memcached
    for pass in 1 $([[ $1 == *-cache ]] && echo 2); do
        actual=$(answers "$base")
        node -e '
            // the peers implement scenarios 1-3: not the last query (catalog pages)
            const a = JSON.parse(process.argv[1]).slice(0, -1), b = JSON.parse(process.argv[2]).slice(0, -1);
            if (require("node:util").isDeepStrictEqual(a, b)) process.exit(0);
            const i = a.findIndex((x, k) => !require("node:util").isDeepStrictEqual(x, b[k]));
            console.error(`query ${i}: expected ${JSON.stringify(a[i]).slice(0, 800)}\nactual   ${JSON.stringify(b[i]).slice(0, 800)}`);
            process.exit(1);
        ' "$expected" "$actual" || die "peer $1 does not give gqld's answers (pass $pass)"
    done
    if [[ $1 == *-cache ]]; then
        local counts
        counts=$(cache_counts)
        ((${counts%% *} > 0)) || die "peer $1 has no cache hits after asking twice (hits misses: $counts)"
    fi
}

# Scenario by scenario, every server in turn (a fresh process each time, warmed up by the
# scenario's warm-up): on a shared machine, figures to be compared are measured close in time.
if [[ -n $(wanted healthz) ]]; then
    say "ceiling: gqld GET /healthz"
    start_server gqld
    scenario gqld healthz tests/bench/healthz.lua "$base/healthz"
    stop_server
fi
for s in $(wanted typename product order products); do
    say "scenario $s"
    servers=(gqld)
    [[ $s == typename ]] || servers+=(gqld-proxy)
    [[ $s == typename || $s == products ]] || servers+=(gqld-mc gqld-cache)
    if [[ $s != products ]]; then # the peers implement scenarios 1-3
        read -ra more <<<"$peers"
        servers+=("${more[@]}")
        # then with their response caches (scenarios 2 and 3, as gqld-mc and gqld-cache)
        [[ $s == typename ]] || for peer in "${more[@]}"; do servers+=("$peer-cache"); done
    fi
    for server in "${servers[@]}"; do
        start_server "$server"
        scenario "$server" "$s" "tests/bench/$([[ $s == order ]] && echo orders || echo "$s").lua" "$base/graphql"
        stop_server
    done
    if [[ $s != typename ]]; then
        say "ceiling: pgbench -M prepared -c $db_pool -j 1, gqld's SELECT for $s"
        run_pgbench "$s" "$tmp/$s.sql"
    fi
done
run_mix() {
    timeout $((secs + warm_secs + 60)) "${client_cpu[@]}" node tests/bench/openloop.mjs \
        "$base/graphql" "$rate" "$secs" "$connections" "$warm_secs" | grep '^BENCH ' || true
}
for server in $([[ -n $(wanted mix) ]] && echo gqld gqld-cache); do
    say "scenario mix ($server, open loop at $rate req/s)"
    start_server "$server"
    record "$server" mix "$(measured "$server" run_mix)"
    stop_server
done

# Warm: every product stored first (at most 120 s), then scenario 2 (within Product's maxAge
# of 30 s: the entries are still fresh), then the same process's fixed response, for the
# same requests (POSTed to /healthz) and for GET /healthz; then one product again and again.
stored() {
    node -e '
        fetch(process.argv[1] + "/metrics").then((r) => r.text()).then((t) => {
          const m = /^gqld_cache_stores_total (\d+)$/m.exec(t);
          console.log(m ? m[1] : 0);
        }).catch(() => console.log(0));
    ' "$base"
}
for server in $([[ -n $(wanted warm) ]] && echo gqld-mc gqld-cache gqld-cache-rl); do
    say "scenario product-warm ($server: every product read once first)"
    start_server "$server"
    timeout 150 "${client_cpu[@]}" wrk -t1 -c"$connections" -d120s -s tests/bench/warm.lua "$base/graphql" >/dev/null &
    warmer=$!
    SECONDS=0
    while (($(stored) < BENCH_PRODUCTS)) && ((SECONDS < 120)); do sleep 0.5; done
    kill "$warmer" 2>/dev/null || true
    wait "$warmer" 2>/dev/null || true
    say "  $server stored $(stored) responses in ${SECONDS}s"
    scenario "$server" product-warm tests/bench/product.lua "$base/graphql"
    # The ceilings: the same requests (same wrk script, same bytes) answered with
    # /healthz's fixed response, so wrk's own cost is in both; and GET /healthz.
    scenario "$server" healthz-zipf tests/bench/product.lua "$base/healthz"
    scenario "$server" healthz tests/bench/healthz.lua "$base/healthz"
    scenario "$server" product-hot tests/bench/product_one.lua "$base/graphql"
    scenario "$server" healthz-one tests/bench/product_one.lua "$base/healthz"
    stop_server
done

if [[ -n $(wanted mckill) ]]; then
    say "scenario product, memcached only, memcached stopped halfway through the run"
    start_server gqld-mc
    run_wrk "$warm_secs" tests/bench/product.lua "$base/graphql" >/dev/null
    (sleep $((secs / 2)) && svc_mc_stop "$tmp/memcached") &
    killer=$!
    record gqld-mckill product "$(measured gqld-mc run_wrk "$secs" tests/bench/product.lua "$base/graphql")"
    wait "$killer" || true
    stop_server
    svc_mc_start "$tmp/memcached" "$mc_port"
fi

# Writes last: they add orders (and would make scenario 3's customers' lists longer).
if [[ -n $(wanted place) ]]; then
    # The first writes into the freshly loaded tables run markedly slower (measured: whichever of
    # gqld and pgbench ran first lost 20 to 45% against the other): the same writes, unmeasured, first.
    say "scenario place: settling the tables with 10 s of pgbench's placeOrder writes, unmeasured"
    timeout 40 "${client_cpu[@]}" "$pg_bin/pgbench" -n -M prepared -c "$write_pool" -j 1 -h 127.0.0.1 -p "$pg_port" \
        -U postgres -f "$tmp/place.sql" -T 10 gqld >/dev/null 2>&1 || true
    say "scenario place (placeOrder, closed loop), writer pool $write_pool"
    start_server gqld
    scenario gqld place tests/bench/place.lua "$base/graphql"
    stop_server
    say "ceiling: pgbench -M prepared -c $write_pool -j 1, gqld's two statements of placeOrder in one pipeline"
    run_pgbench place "$tmp/place.sql" "$write_pool"
fi
if [[ -n $(wanted spike) ]]; then
    # The Node generator sends about 1,000 orders a second here: the spike (ten times the steady
    # rate) must overload gqld at that rate, so gqld has a writer pool of BENCH_SPIKE_WRITE_POOL
    # (1) connection, which places a few hundred a second. That is also the knob that keeps
    # writes from taking the whole database from the reads.
    spike_steady=${BENCH_SPIKE_STEADY:-100}
    spike_reads=${BENCH_SPIKE_READS:-$((rate / 8))}
    spike_pool=${BENCH_SPIKE_WRITE_POOL:-1}
    say "scenario spike: placeOrder at $spike_steady req/s, $((spike_steady * 10)) for ${spike_secs} s, back; reads at $spike_reads req/s; writer pool $spike_pool"
    flush_memcached
    start_gqld DB_WRITE_POOL_SIZE="$spike_pool"
    record gqld spike "$(BENCH_PSQL="$pg_bin/psql" BENCH_DATABASE_URL=$database_url timeout $((spike_secs + 90)) \
        "${client_cpu[@]}" node tests/bench/spike.mjs "$base/graphql" "$spike_steady" "$spike_secs" "$spike_reads" | grep '^BENCH ' || true)"
    stop_server
fi

# --- report ---------------------------------------------------------------------------
# shellcheck disable=SC2016 # JavaScript, not shell
buildtype=$(node -e '
    const o = require(process.argv[1]).find((x) => x.name === "buildtype");
    console.log(o ? o.value : "unknown");
' "$root/build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)
BENCH_DATE=$(date -u '+%Y-%m-%d %H:%M UTC') \
    BENCH_MACHINE="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    BENCH_PLACEMENT=$placement BENCH_LOAD=$load BENCH_LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)" \
    BENCH_SERVER="$("$gqld" --version 2>/dev/null | head -1 || echo gqld) ($(git rev-parse --short HEAD 2>/dev/null || echo uncommitted), $buildtype build), GQLD_THREADS=1, DB_POOL_SIZE=$db_pool, DB_PROTOCOL=prepared (gqld) or proxy (gqld-proxy)" \
    BENCH_PEER_VERSIONS="$(node -e '
        const p = (n) => require(require("node:path").resolve(process.argv[1], "node_modules", n, "package.json")).version;
        console.log(`graphql-yoga ${p("graphql-yoga")}, mercurius ${p("mercurius")} (graphql-jit ${p("graphql-jit")}), fastify ${p("fastify")}, graphql ${p("graphql")}, pg ${p("pg")}, dataloader ${p("dataloader")}; response caches: @graphql-yoga/plugin-response-cache ${p("@graphql-yoga/plugin-response-cache")} (@envelop/response-cache ${p("@envelop/response-cache")}), mercurius-cache ${p("mercurius-cache")} (async-cache-dedupe ${p("async-cache-dedupe")}), memjs ${p("memjs")}; node ${process.version}`);
    ' tests/bench/peers 2>/dev/null || true)" \
    BENCH_LOADGEN="wrk -t1 -c$connections -d$duration after a $warmup warm-up (keep-alive, loopback); mix: tests/bench/openloop.mjs at $rate req/s, $connections connections; pgbench -M prepared -c $db_pool -j 1 -T $secs" \
    BENCH_CACHE="gqld-mc: GQLD_CACHE=on GQLD_CACHE_LOCAL_BYTES=0 (every hit is a memcached round trip); gqld-cache: GQLD_CACHE=on with the in-process tier's defaults; yoga-cache: @graphql-yoga/plugin-response-cache (whole responses) and mercurius-cache: mercurius-cache (every resolver of the queries; mercurius has no whole-response plugin), both in the same memcached with ttl 30 s, no session (AUTH_MODE=none); the other gqld rows and the peers: no response cache" \
    BENCH_NOTE=$peer_note BENCH_DATA="$BENCH_PRODUCTS products (Zipf s = 1.1), $BENCH_CUSTOMERS customers, $orders orders" \
    BENCH_SPIKE_WRITE_POOL=${spike_pool:-1} node tests/bench/report.mjs "$results" "$out/report.md" "$out/report.svg"
say "wrote $out/report.md and $out/report.svg"
