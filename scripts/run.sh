#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then run the web server, a Celery worker and
# Celery beat together (Procfile.dev, through honcho) until Ctrl-C stops all three.
#
# With no DATABASE_URL, REDIS_URL or CELERY_BROKER_URL in the environment this is the
# embedded default: SQLite in var/db.sqlite3 and the filesystem broker in var/celery/,
# no server to install. When they are set, they are used as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
PORT=${PORT:-8000}
# One clock for every line: honcho stamps its lines in the process's local time, which is
# the machine's (often UTC), while Django and Celery log in the site's zone.
TZ=${DJANGO_TIME_ZONE:-Asia/Tehran}
export PYTHON PORT TZ PYTHONUNBUFFERED=1

port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if port_answers; then
    echo "Port $PORT is in use already: stop what runs there or choose another (make run PORT=8001)." >&2
    exit 1
fi

"$PYTHON" manage.py migrate --noinput --verbosity 0
seed_output=$("$PYTHON" manage.py seed_demo)
echo "$seed_output"

mkdir -p "${CELERY_QUEUE_FOLDER:-var/celery}"  # beat keeps its schedule file there
# --env /dev/null: settings come from the environment only (SPEC 7), as for migrate above,
# never from a .env file that honcho would otherwise read for the three processes alone.
"$PYTHON" -m honcho --procfile Procfile.dev --env /dev/null start --port "$PORT" &
honcho_pid=$!
# Ctrl-C reaches honcho itself (same process group): it stops web, worker and beat (each
# in its own process group) and waits for them, so INT is only noted here; sending honcho a
# TERM on top made it exit 143 and make report "Error 143". TERM (`kill` of this script) is
# passed on.
interrupted=
trap 'interrupted=1' INT
trap 'interrupted=1; kill -TERM "$honcho_pid" 2>/dev/null || true' TERM

# Say where to go once the site answers: by then the startup logs have scrolled the seed output away.
for _ in $(seq 600); do
    kill -0 "$honcho_pid" 2>/dev/null || break
    if port_answers; then
        echo
        echo "Bookstore is running at http://127.0.0.1:${PORT}/ (admin at /admin/, API docs at /api/docs/),"
        echo "with a Celery worker and beat. Login codes are printed as 'SMS to ...' lines below."
        sed -n '/^Demo accounts:/,$p' <<<"$seed_output"
        echo "Press Ctrl-C to stop the web server, the worker and beat."
        echo
        break
    fi
    sleep 0.2
done

# `wait` returns early when a trapped signal arrives: wait again until honcho has finished.
while :; do
    wait "$honcho_pid" && status=0 || status=$?
    kill -0 "$honcho_pid" 2>/dev/null || break
done
if [ -n "$interrupted" ]; then
    echo "Bookstore stopped."
    exit 0
fi
exit "$status"
