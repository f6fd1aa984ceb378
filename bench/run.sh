#!/usr/bin/env bash
# make bench: the benchmarks of issues 8, 15 and 16 on the production stack of this machine.
#
# 1. PostgreSQL (BENCH_PG, default postgres://postgres@127.0.0.1:5432) and Redis
#    (BENCH_REDIS_URL, default redis://127.0.0.1:6379/9) must answer.
# 2. The data (bench/generate.py: 100,000 books, 20,000 customers...) are made once into
#    the template database bookstore_bench_template and reused while younger than
#    BENCH_MAX_AGE_HOURS (12; the loans' times are relative to when they were made);
#    every run starts from a fresh copy of it, bookstore_bench, since the benchmarks
#    change the data (reservations made, queue served, loans expired).
# 3. bench/bench.py starts gunicorn (4 workers, production settings) on a free port of
#    127.0.0.1 (the yardstick's, one with CATALOG_CACHE=off, then the ordinary one), drives
#    it with wrk and reads its and PostgreSQL's CPU time from /proc, measures the rest
#    in-process, stops gunicorn, prints the tables and writes bench/results.json (about 5
#    minutes; BENCH_SECONDS, 10, per wrk run).
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
TEMPLATE=bookstore_bench_template
DB=bookstore_bench
MAX_AGE_HOURS=${BENCH_MAX_AGE_HOURS:-12}
FIXTURES=var/bench/fixtures.json
PYTHON=.venv/bin/python

export DJANGO_DEBUG=False
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-bench-only-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=False
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/9}
export CELERY_BROKER_URL=$REDIS_URL
export CELERY_TASK_DEFAULT_QUEUE=bench
export BENCH_FIXTURES=$FIXTURES
export DJANGO_LOG_LEVEL=WARNING

psql_admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }

command -v psql >/dev/null || { echo "bench: psql is needed (apt-get install postgresql-client)" >&2; exit 1; }
psql_admin -c 'SELECT 1' >/dev/null || { echo "bench: PostgreSQL does not answer at $PG" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
    echo "bench: installing Debian's wrk"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
"$PYTHON" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()" "$REDIS_URL" 2>/dev/null \
    || { echo "bench: Redis does not answer at $REDIS_URL" >&2; exit 1; }

fresh_template() {
    [ -f "$FIXTURES" ] || return 1
    [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'")" = 1 ] || return 1
    [ -z "$(find "$FIXTURES" -mmin +$((MAX_AGE_HOURS * 60)))" ] || return 1
    # Made by the same code: no migration newer than the template.
    DATABASE_URL=$PG/$TEMPLATE "$PYTHON" manage.py migrate --check >/dev/null 2>&1
}

if fresh_template; then
    echo "bench: reusing the data in $TEMPLATE (made $(date -r "$FIXTURES" '+%F %T'))"
else
    echo "bench: generating the data into $TEMPLATE"
    psql_admin -c "DROP DATABASE IF EXISTS $DB" -c "DROP DATABASE IF EXISTS $TEMPLATE" -c "CREATE DATABASE $TEMPLATE"
    rm -f "$FIXTURES"
    DATABASE_URL=$PG/$TEMPLATE "$PYTHON" manage.py migrate --verbosity 0
    DATABASE_URL=$PG/$TEMPLATE "$PYTHON" bench/generate.py
fi
echo "bench: copying $TEMPLATE to $DB"
# FILE_COPY: PostgreSQL 15 and newer would otherwise write the whole copy (about 220 MB)
# to the WAL, and the checkpoint that follows would run during the measurements.
STRATEGY=
[ "$(psql_admin -c 'SHOW server_version_num')" -ge 150000 ] && STRATEGY="STRATEGY FILE_COPY"
psql_admin -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB TEMPLATE $TEMPLATE $STRATEGY" -c "CHECKPOINT"
export DATABASE_URL=$PG/$DB
"$PYTHON" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL"
"$PYTHON" manage.py collectstatic --noinput --verbosity 0
"$PYTHON" bench/bench.py
