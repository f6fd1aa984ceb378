#!/usr/bin/env bash
# `make run`: migrate, load the demo data and serve the site on 127.0.0.1:$PORT.
#
# With no DATABASE_URL in the environment this is the embedded default (SQLite in var/,
# no server to install). Extra processes (Celery worker and beat) go in start_processes.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
PORT=${PORT:-8000}

"$PYTHON" manage.py migrate --noinput --verbosity 0
"$PYTHON" manage.py seed_demo

start_processes() {
    echo "Open http://127.0.0.1:${PORT}/ — admin at /admin/"
    exec "$PYTHON" manage.py runserver "127.0.0.1:${PORT}"
}

start_processes
