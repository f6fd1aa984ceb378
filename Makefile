# Bookstore developer commands. A fresh clone needs only `make run` or `make test`:
# both create .venv and install the pinned requirements first.
#
#   make run    migrate, load demo data, start web + Celery worker + beat on http://127.0.0.1:8000/ (no servers)
#   make test   ruff check and pytest on PostgreSQL and Redis (throwaway servers if none answer)
#   make lint   ruff check and ruff format --check
#   make fmt    ruff format and ruff check --fix
#   make bench  benchmarks on production settings with 100k books (bench/run.sh): table + bench/results.json
#   make backtest  R31's wait estimate scored on generated history (in seconds; BACKTEST_ARGS=--sweep)
#   make race   admin saves racing reserves/returns and wallet charges (issue 13, R9 R19 R27), 25s each; RACE_ARGS
#   make probe  the attacks of issue 14 replayed on gunicorn, production settings: which defences held; PROBE_ARGS
#   make screenshots  PNGs of the main pages in Persian and English on the demo data into docs/screenshots/
#   make clean  remove var/ and caches (keeps .venv); make distclean also removes .venv
#
# Variables: PYTHON (python3), PORT (8000) for run; PYTEST_WORKERS (2) and PYTEST_ARGS for test,
# e.g. make test PYTEST_ARGS="-k queue -x". DATABASE_URL and REDIS_URL, when set, are used by test.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := $(wildcard requirements*.txt)

PORT ?= 8000
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv install run test lint fmt clean distclean bench screenshots

help:
	@sed -n '1,15s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

venv install: $(STAMP)
	@:

# Re-installs only when a requirements file is newer than the stamp.
$(STAMP): $(REQUIREMENTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed as '$(PYTHON)' (make PYTHON=python3.11 ...)" >&2; exit 1; }
	@if ! $(BIN)/python -c '' 2>/dev/null; then \
		echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	@echo "Installing requirements-dev.txt into $(VENV)"
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

# The message catalogs (R40): locale/<lang>/LC_MESSAGES/django.po is the source, committed;
# the .mo files are compiled from it here and not committed. `make messages` extracts the
# strings again after the code or templates change (then translate what it added in fa).
PO := $(wildcard locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)
MSGFMT := /usr/bin/msgfmt

$(MSGFMT):
	@echo "Installing GNU gettext for the message catalogs"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext >/dev/null

%.mo: %.po | $(MSGFMT)
	@$(MSGFMT) --check-format -o $@ $<

.PHONY: messages compiled-messages
compiled-messages: $(MO)

messages: $(STAMP) | $(MSGFMT)
	@$(BIN)/python manage.py makemessages --locale fa --locale en --add-location file --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'staticfiles/*' --ignore 'scripts/*'
	@$(MAKE) --no-print-directory compiled-messages

run: $(STAMP) $(MO)
	@PORT=$(PORT) PYTHON=$(BIN)/python scripts/run.sh

# Runs the tests even when ruff finds problems; fails when pytest or ruff fails.
# Browser tests drive Debian's chromium through Playwright; never a downloaded browser.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

test: $(STAMP) $(CHROMIUM) $(MO)
	@ruff=0; $(BIN)/ruff check . || ruff=$$?; \
	scripts/test-services.sh $(BIN)/pytest -n $(PYTEST_WORKERS) --create-db $(PYTEST_ARGS) || exit $$?; \
	if [ $$ruff != 0 ]; then echo "make test: the tests passed but ruff check failed (see above)" >&2; exit $$ruff; fi

# Benchmarks on the production stack (gunicorn, PostgreSQL, Redis) with 100k books: see bench/run.sh.
bench: $(STAMP) $(MO)
	@bench/run.sh

# The races of issue 13 on gunicorn and PostgreSQL (bench/integrity_race.py): exits 1 when an
# invariant breaks. RACE_ARGS passes options, e.g. make race RACE_ARGS="--seconds 10 --clients 16".
# R31's wait estimate scored on generated history, in memory, in seconds (also part of make bench).
.PHONY: backtest
backtest: $(STAMP)
	@$(BIN)/python bench/backtest_estimate.py $(BACKTEST_ARGS)

.PHONY: race
race: $(STAMP)
	@$(BIN)/python bench/integrity_race.py $(RACE_ARGS)

# The attacks of issue 14 on gunicorn with production settings (bench/security_probe.py): a table
# of what each defence did; exits 1 when one did not hold. PROBE_ARGS passes options, e.g.
# make probe PROBE_ARGS="--only 1,7".
.PHONY: probe
probe: $(STAMP)
	@$(BIN)/python bench/security_probe.py $(PROBE_ARGS)

# Seeds the demo data in a throwaway test database and photographs the pages at 1280x900.
screenshots: $(STAMP) $(CHROMIUM) $(MO)
	@SCREENSHOTS=1 scripts/test-services.sh $(BIN)/pytest --create-db -q bookstore/tests/browser/test_screenshots.py

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

fmt: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

clean:
	rm -rf var/ staticfiles/ .pytest_cache/ .ruff_cache/
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
