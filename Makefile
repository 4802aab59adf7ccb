# Panitch: `make run` to try it, `make test` to test it. Needs Python 3.11 and nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The port `make run` serves on (127.0.0.1 only): `make run PORT=8001`.
PORT ?= 8000
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -r requirements-test.txt
	touch $@ $(VENV)/.run-installed

## Install, migrate, load the demo data and run web + Celery worker + beat on 127.0.0.1:$(PORT).
run: $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/honcho start --port $(PORT)

## Install what the tests need (and Chromium, if missing) and run the whole suite.
test: $(VENV)/.test-installed
	scripts/ensure-chromium
	$(BIN)/pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

## Benchmarks: the form's step pages (real/framed >= 0.75, framed/bare >= 0.85), then decision day (<= 60 s;
## needs DATABASE_URL pointing at PostgreSQL, and Redis).
bench: $(VENV)/.run-installed
	$(BIN)/python manage.py bench
	$(BIN)/python manage.py bench_release
	$(BIN)/python manage.py bench_allocation
	$(BIN)/python manage.py bench_roster
	$(BIN)/python manage.py bench_reminders
	$(BIN)/python manage.py bench_staff

## Rewrite constraints.txt from a fresh install of the direct dependencies.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements-test.txt
	(echo "# Exact versions of every dependency (pip install -c constraints.txt ...)."; \
	 echo "# Regenerate: make lock"; .lock-venv/bin/pip freeze) > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf var/ $(VENV)
