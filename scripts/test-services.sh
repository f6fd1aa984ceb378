#!/usr/bin/env bash
# Run a command (the test suite) with DATABASE_URL and REDIS_URL exported.
#
#   scripts/test-services.sh .venv/bin/pytest -n 2 --create-db
#
# PostgreSQL: DATABASE_URL if set; else the machine's server on 127.0.0.1:5432 (user postgres,
# no password) if it answers; else a throwaway cluster made with the machine's PostgreSQL
# binaries (installed with apt-get when missing) on a free port.
# Redis: REDIS_URL if set; else 127.0.0.1:6379 if it answers PING; else a throwaway
# redis-server on a free port (installed with apt-get when missing).
# BOOKSTORE_THROWAWAY_SERVICES=1 skips both lookups and always starts throwaway servers.
# Throwaway servers and their files are removed on exit, whatever the command's result.
# The exit code is the command's.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
FORCE_THROWAWAY=${BOOKSTORE_THROWAWAY_SERVICES:-0}
DEFAULT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bookstore
DEFAULT_REDIS_URL=redis://127.0.0.1:6379/0

tmp=""        # folder holding throwaway servers' data, sockets and logs
pg_bin=""     # set once a throwaway PostgreSQL is started
redis_pid=""  # set once a throwaway Redis is started
apt_updated=0

log() { echo "test-services: $*" >&2; }
die() {
    log "$*"
    exit 1
}
# Hide a password in a URL before printing it.
redact() { sed -E 's#(//[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

as_postgres() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local status=$?
    if [[ -n $pg_bin ]]; then
        (cd "$tmp" && as_postgres "$pg_bin/pg_ctl" -D "$tmp/pg" -m immediate -w stop >/dev/null 2>&1) \
            || log "could not stop the throwaway PostgreSQL (data in $tmp/pg)"
    fi
    if [[ -n $redis_pid ]]; then
        kill "$redis_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$redis_pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    if [[ -n $tmp ]]; then
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

make_tmp() {
    if [[ -z $tmp ]]; then
        # Under /tmp, not $TMPDIR: the postgres user must be able to reach it.
        tmp=$(mktemp -d /tmp/bookstore-services.XXXXXX)
        chmod 755 "$tmp"
    fi
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

apt_install() {
    [[ $(id -u) == 0 ]] || die "'$*' is not installed and installing it needs root; install it or set the *_URL variables"
    command -v apt-get >/dev/null || die "'$*' is not installed and apt-get is missing; install it or set the *_URL variables"
    export DEBIAN_FRONTEND=noninteractive
    if [[ $apt_updated == 0 ]]; then
        log "apt-get update"
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
    log "apt-get install $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

postgres_answers() {
    "$PYTHON" - "$1" <<'EOF' >/dev/null 2>&1
import sys

import psycopg

psycopg.connect(sys.argv[1], connect_timeout=3).close()
EOF
}

redis_answers() {
    "$PYTHON" - "$1" <<'EOF' >/dev/null 2>&1
import sys

import redis

redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3, socket_timeout=3).ping()
EOF
}

find_pg_bin() {
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

start_postgres() {
    local bin port
    bin=$(find_pg_bin)
    if [[ -z $bin ]]; then
        apt_install postgresql
        bin=$(find_pg_bin)
        [[ -n $bin ]] || die "PostgreSQL binaries not found after installing postgresql"
    fi
    make_tmp
    mkdir "$tmp/pg" "$tmp/pg-socket"
    if [[ $(id -u) == 0 ]]; then
        chown postgres: "$tmp/pg" "$tmp/pg-socket"
    fi
    port=$(free_port)
    (cd "$tmp" && as_postgres "$bin/initdb" -D "$tmp/pg" -U postgres -A trust --no-sync \
        -E UTF8 --no-locale >"$tmp/initdb.log" 2>&1) \
        || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
    pg_bin=$bin
    (cd "$tmp" && as_postgres "$bin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/server.log" -w -t 60 \
        -o "-p $port -k $tmp/pg-socket -h 127.0.0.1 -F -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null) \
        || { cat "$tmp/pg/server.log" >&2; die "the throwaway PostgreSQL did not start"; }
    DATABASE_URL="postgres://postgres@127.0.0.1:$port/bookstore"
    log "throwaway PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $DATABASE_URL"
}

start_redis() {
    local port
    if ! command -v redis-server >/dev/null; then
        apt_install redis-server
    fi
    make_tmp
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log" --dir "$tmp" >/dev/null
    REDIS_URL="redis://127.0.0.1:$port/0"
    for _ in $(seq 100); do
        if [[ -s $tmp/redis.pid ]] && redis_answers "$REDIS_URL"; then
            redis_pid=$(cat "$tmp/redis.pid")
            log "throwaway Redis at $REDIS_URL"
            return
        fi
        sleep 0.1
    done
    [[ -s $tmp/redis.pid ]] && redis_pid=$(cat "$tmp/redis.pid")
    cat "$tmp/redis.log" >&2 || true
    die "the throwaway Redis did not start"
}

[[ $# -gt 0 ]] || die "usage: $0 COMMAND [ARGS...]"
[[ -x $PYTHON ]] || die "$PYTHON not found: run 'make venv' first"

if [[ $FORCE_THROWAWAY == 1 ]]; then
    unset DATABASE_URL REDIS_URL
fi

if [[ -n ${DATABASE_URL:-} ]]; then
    log "PostgreSQL from DATABASE_URL: $(redact "$DATABASE_URL")"
elif [[ $FORCE_THROWAWAY != 1 ]] && postgres_answers "${DEFAULT_DATABASE_URL%/*}/postgres"; then
    DATABASE_URL=$DEFAULT_DATABASE_URL
    log "PostgreSQL already running at $DATABASE_URL"
else
    start_postgres
fi

if [[ -n ${REDIS_URL:-} ]]; then
    log "Redis from REDIS_URL: $(redact "$REDIS_URL")"
elif [[ $FORCE_THROWAWAY != 1 ]] && redis_answers "$DEFAULT_REDIS_URL"; then
    REDIS_URL=$DEFAULT_REDIS_URL
    log "Redis already running at $REDIS_URL"
else
    start_redis
fi

export DATABASE_URL REDIS_URL
status=0
"$@" || status=$?
exit "$status"
