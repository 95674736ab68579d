#!/usr/bin/env bash
# Throwaway PostgreSQL clusters and memcached instances for development, tests
# and benchmarks. Loopback only, data under a directory the caller owns.
#
# Executed:  infra/dev/services.sh COMMAND [ARGS]   (see usage below)
# Sourced:   . infra/dev/services.sh; svc_pg_start DIR PORT
#
# PostgreSQL refuses to run as root and memcached refuses root without -u, so
# as root the servers run as an unprivileged system user (gqld-dev, created on
# first use) and the data directory is handed over to that user.

GQLD_SVC_USER=${GQLD_SVC_USER:-gqld-dev}

svc_usage() {
    cat <<'EOF'
usage: services.sh COMMAND [ARGS]
  pg-start DIR PORT   start (initialising if needed) PostgreSQL in DIR on 127.0.0.1:PORT,
                      with a database "gqld"; already running: nothing to do
  pg-stop DIR         fast shutdown (fine if not running)
  pg-restart DIR [MODE]
                      restart a running PostgreSQL with pg_ctl's shutdown MODE (fast; immediate
                      is a crash: recovery replays the WAL on start), waiting until it serves
  pg-status DIR       print "running PORT PID" (exit 0) or "stopped" (exit 3)
  pg-bin              print the PostgreSQL bin directory
  mc-start DIR PORT   start memcached on 127.0.0.1:PORT (64 MB), pid file in DIR
  mc-stop DIR         stop it (fine if not running)
  mc-status DIR       print "running PORT PID" (exit 0) or "stopped" (exit 3)
  free-port           print a free TCP port on 127.0.0.1
  deps [PROFILE...]   install missing packages (infra/dev/deps.sh)
EOF
}

svc_die() {
    echo "services.sh: $*" >&2
    return 1
}

svc_is_root() {
    [[ $(id -u) -eq 0 ]]
}

# The newest installed PostgreSQL's bin directory (Debian keeps them versioned).
svc_pg_bin() {
    local dir dirs=(/usr/lib/postgresql/*/bin)
    dir=$(printf '%s\n' "${dirs[@]}" | sort -V | tail -1)
    if [[ ! -d $dir ]]; then
        # Not Debian's layout: fall back to whatever is on PATH.
        local initdb
        initdb=$(command -v initdb 2>/dev/null) || {
            svc_die "PostgreSQL server binaries not found (run: ./dev deps)"
            return 1
        }
        dir=$(dirname "$(readlink -f "$initdb")")
    fi
    printf '%s\n' "$dir"
}

# The unprivileged user the servers run as when we are root.
svc_ensure_user() {
    local user=$1
    id -u "$user" >/dev/null 2>&1 && return 0
    # Two callers may race to create it: losing the race is fine.
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        --user-group "$user" >/dev/null 2>&1 || true
    id -u "$user" >/dev/null 2>&1 || svc_die "cannot create system user $user"
}

# Make DIR and its ancestors traversable by USER: a directory under a 0700 home
# or mktemp directory would otherwise be out of its reach. Only the search bit
# (o+x) is added, and only where USER cannot already pass.
svc_ensure_traversable() {
    local user=$1 dir=$2 d
    runuser -u "$user" -- test -x "$dir" -a -w "$dir" 2>/dev/null && return 0
    d=$(dirname "$dir")
    while [[ $d != / ]]; do
        if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
            echo "services.sh: note: chmod o+x $d so that $user can reach $dir" >&2
            chmod o+x "$d"
        fi
        d=$(dirname "$d")
    done
    runuser -u "$user" -- test -x "$dir" -a -w "$dir" 2>/dev/null ||
        svc_die "$user cannot write to $dir"
}

# Runs a command as the service user when root, directly otherwise.
svc_as() {
    local user=$1
    shift
    if svc_is_root; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

svc_abs() {
    mkdir -p "$1" && (cd "$1" && pwd -P)
}

# --- PostgreSQL -------------------------------------------------------------

# Prints "PORT PID" of the running postmaster of DIR, or fails.
svc_pg_running() {
    local dir=$1 pidfile pid port
    pidfile=$dir/data/postmaster.pid
    [[ -r $pidfile ]] || return 1
    { read -r pid; read -r _; read -r _; read -r port; } <"$pidfile" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || [[ -d /proc/$pid ]] || return 1
    # A stale pid file whose number was reused by another program.
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres* ]] || return 1
    printf '%s %s\n' "$port" "$pid"
}

svc_pg_start() {
    local dir=${1:?pg-start DIR PORT} port=${2:?pg-start DIR PORT}
    local bin user running
    [[ $port =~ ^[0-9]+$ ]] || { svc_die "pg-start: bad port: $port"; return 1; }
    dir=$(svc_abs "$dir") || return 1
    if running=$(svc_pg_running "$dir"); then
        if [[ ${running%% *} != "$port" ]]; then
            svc_die "PostgreSQL in $dir already runs on port ${running%% *}, not $port (pg-stop it first)"
            return 1
        fi
        return 0
    fi
    bin=$(svc_pg_bin) || return 1
    user=$(id -un)
    if svc_is_root; then
        user=$GQLD_SVC_USER
        svc_ensure_user "$user" || return 1
        chown -R "$user:" "$dir" || return 1
        svc_ensure_traversable "$user" "$dir" || return 1
    fi

    if [[ ! -s $dir/data/PG_VERSION ]]; then
        rm -rf "$dir/data"
        if ! svc_as "$user" "$bin/initdb" -D "$dir/data" -A trust -U postgres --encoding=UTF8 \
            --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
            cat "$dir/initdb.log" >&2
            svc_die "initdb failed in $dir/data"
            return 1
        fi
        # Settings that change per start live in an included file (see below).
        printf "\ninclude_if_exists = 'gqld-dev.conf'\n" >>"$dir/data/postgresql.conf"
    fi

    # The unix socket lives in DIR unless the path is too long for sun_path
    # (107 bytes); then TCP only, which is all our clients use anyway.
    local sockdir=$dir
    if ((${#dir} + 20 > 107)); then
        sockdir=
    fi
    sockdir=${sockdir//"'"/"''"}
    # Throwaway data: durability off, WAL minimal (bulk loads into tables
    # truncated in the same transaction skip WAL entirely).
    svc_as "$user" tee "$dir/data/gqld-dev.conf" >/dev/null <<EOF
# Written by infra/dev/services.sh on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = '1GB'
shared_buffers = '128MB'
max_connections = 200
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
# Statement counts for tests (tests/integration/orders.test.mjs); needs a restart to change.
shared_preload_libraries = 'pg_stat_statements'
EOF
    if ! svc_as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s start \
        >/dev/null 2>"$dir/pg_ctl.err"; then
        cat "$dir/pg_ctl.err" >&2
        tail -n 20 "$dir/postgres.log" >&2 2>/dev/null
        svc_die "PostgreSQL failed to start in $dir on port $port"
        return 1
    fi

    local psql=("$bin/psql" -X -q -w -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
    if [[ $("${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'gqld'") != 1 ]]; then
        # Two starters may race on a shared cluster: a concurrent create is fine.
        "${psql[@]}" -d postgres -c 'CREATE DATABASE gqld' >/dev/null 2>"$dir/createdb.err" ||
            [[ $("${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'gqld'") == 1 ]] ||
            { cat "$dir/createdb.err" >&2; svc_die "cannot create database gqld"; return 1; }
    fi
    rm -f "$dir/pg_ctl.err" "$dir/createdb.err"
}

svc_pg_stop() {
    local dir=${1:?pg-stop DIR} bin user
    [[ -d $dir ]] || return 0
    dir=$(cd "$dir" && pwd -P)
    svc_pg_running "$dir" >/dev/null || return 0
    bin=$(svc_pg_bin) || return 1
    user=$(stat -c %U "$dir/data")
    svc_is_root || user=$(id -un)
    svc_as "$user" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null ||
        { svc_pg_running "$dir" >/dev/null && svc_die "PostgreSQL in $dir did not stop"; }
}

svc_pg_restart() {
    local dir=${1:?pg-restart DIR [MODE]} mode=${2:-fast} bin user
    [[ $mode == fast || $mode == immediate || $mode == smart ]] || { svc_die "pg-restart: bad mode: $mode"; return 1; }
    dir=$(cd "$dir" && pwd -P) || return 1
    svc_pg_running "$dir" >/dev/null || { svc_die "PostgreSQL in $dir is not running"; return 1; }
    bin=$(svc_pg_bin) || return 1
    user=$(stat -c %U "$dir/data")
    svc_is_root || user=$(id -un)
    svc_as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -m "$mode" -w -t 60 -s restart \
        >/dev/null || { svc_die "PostgreSQL in $dir did not restart"; return 1; }
}

svc_pg_status() {
    local dir=${1:?pg-status DIR} running
    if [[ -d $dir ]] && running=$(svc_pg_running "$(cd "$dir" && pwd -P)"); then
        echo "running $running"
        return 0
    fi
    echo stopped
    return 3
}

# --- memcached --------------------------------------------------------------

svc_mc_running() {
    local dir=$1 pid port
    [[ -r $dir/memcached.pid ]] || return 1
    read -r pid <"$dir/memcached.pid" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == memcached ]] || return 1
    port=$(cat "$dir/memcached.port" 2>/dev/null)
    printf '%s %s\n' "${port:-?}" "$pid"
}

svc_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

svc_mc_start() {
    local dir=${1:?mc-start DIR PORT} port=${2:?mc-start DIR PORT} running user=() i
    [[ $port =~ ^[0-9]+$ ]] || { svc_die "mc-start: bad port: $port"; return 1; }
    dir=$(svc_abs "$dir") || return 1
    if running=$(svc_mc_running "$dir"); then
        if [[ ${running%% *} != "$port" ]]; then
            svc_die "memcached in $dir already runs on port ${running%% *}, not $port (mc-stop it first)"
            return 1
        fi
        return 0
    fi
    command -v memcached >/dev/null || { svc_die "memcached not installed (run: ./dev deps)"; return 1; }
    rm -f "$dir/memcached.pid"
    if svc_is_root; then
        local u=memcache
        id -u "$u" >/dev/null 2>&1 || u=nobody
        user=(-u "$u")
        # It writes its pid file after dropping privileges.
        chown "$u:" "$dir" || return 1
        svc_ensure_traversable "$u" "$dir" || return 1
    fi
    echo "$port" >"$dir/memcached.port.tmp" && mv "$dir/memcached.port.tmp" "$dir/memcached.port"
    if ! memcached -d "${user[@]}" -l 127.0.0.1 -p "$port" -U 0 -m 64 -c 1024 \
        -P "$dir/memcached.pid" 2>"$dir/memcached.err"; then
        cat "$dir/memcached.err" >&2
        svc_die "memcached failed to start on port $port"
        return 1
    fi
    for ((i = 0; i < 100; i++)); do
        if svc_mc_running "$dir" >/dev/null && svc_port_open "$port"; then
            return 0
        fi
        sleep 0.05
    done
    cat "$dir/memcached.err" >&2
    svc_die "memcached did not come up on port $port"
}

# A process that exited but waits to be reaped (a zombie) counts as gone: some
# init processes reap orphans late.
svc_pid_alive() {
    [[ -d /proc/$1 && $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

svc_mc_stop() {
    local dir=${1:?mc-stop DIR} running pid i
    [[ -d $dir ]] || return 0
    running=$(svc_mc_running "$dir") || { rm -f "$dir/memcached.pid"; return 0; }
    pid=${running##* }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        svc_pid_alive "$pid" || break
        sleep 0.05
    done
    if svc_pid_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/memcached.pid"
}

svc_mc_status() {
    local dir=${1:?mc-status DIR} running
    if [[ -d $dir ]] && running=$(svc_mc_running "$dir"); then
        echo "running $running"
        return 0
    fi
    echo stopped
    return 3
}

# --- ports ------------------------------------------------------------------

# A port nobody listens on, chosen at random below the kernel's ephemeral range
# (so an outgoing connection cannot grab it between now and the bind).
svc_free_port() {
    local lo=20000 hi=32767 eph_lo p i
    if read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((eph_lo > lo + 1000)); then
        hi=$((eph_lo - 1))
    fi
    for ((i = 0; i < 200; i++)); do
        p=$((lo + (SRANDOM % (hi - lo + 1))))
        svc_port_open "$p" || {
            echo "$p"
            return 0
        }
    done
    svc_die "no free port found"
}

svc_main() {
    local cmd=${1:-help}
    shift || true
    case $cmd in
    pg-start) svc_pg_start "$@" ;;
    pg-stop) svc_pg_stop "$@" ;;
    pg-restart) svc_pg_restart "$@" ;;
    pg-status) svc_pg_status "$@" ;;
    pg-bin) svc_pg_bin ;;
    mc-start) svc_mc_start "$@" ;;
    mc-stop) svc_mc_stop "$@" ;;
    mc-status) svc_mc_status "$@" ;;
    free-port) svc_free_port ;;
    deps) "$(dirname "${BASH_SOURCE[0]}")/deps.sh" "$@" ;;
    help | -h | --help) svc_usage ;;
    *)
        svc_usage >&2
        return 2
        ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    svc_main "$@"
fi
