# zhifa — the two commands of the README quick start, and a few more for developers.
# Needs only python3 (3.11); everything else is installed from the lock file into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# make test runs the suite in parallel workers (pytest-xdist), one per core up to four; TEST_WORKERS=0 runs it in one
# process. Each file's tests stay in one worker (--dist loadfile): the authorisation and workflow matrices build their
# world once per file.
TEST_WORKERS ?= auto
export DJANGO_SETTINGS_MODULE = config.settings
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: demo demo-setup test lint test-fast serve migrate worker bench-smoke lock clean

$(STAMP): requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "zhifa needs Python 3.11, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

## make demo: set up, then serve on http://127.0.0.1:8000 with the task worker and the checkpoint clock
demo: demo-setup
	@echo "zhifa 正在运行：http://$(HOST):$(PORT)/ （接口文档：http://$(HOST):$(PORT)/api/docs）按 Ctrl+C 停止。"
	DEBUG=1 $(BIN)/python manage.py serve_demo $(HOST):$(PORT)

## make demo-setup: what make demo does before serving: migrate and load the fictional demo region
demo-setup: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py demo_load

## make test: set up and run every test (lint, architecture contract, unit, API and browser tests); make test-fast:
## the same without lint and the browser tests (e.g. DATABASE_URL=postgres://… make test-fast)
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile -m "not e2e" $(PYTEST_ARGS)
	@# The browser tests in a session of their own: Playwright's sync API keeps an event loop running in the worker's
	@# thread for the rest of its session, and the PDF signer (pyHanko) calls asyncio.run(), which cannot run beside it.
	@# (Exit status 5: PYTEST_ARGS selected no browser test.)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile -m e2e $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile -m "not e2e" $(PYTEST_ARGS)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --no-input

serve: $(STAMP)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make worker: run the background task worker (django-tasks database backend)
worker: $(STAMP)
	$(BIN)/python manage.py db_worker

bench-smoke: $(STAMP)
	$(BIN)/python bench/org_lists.py --agencies 60 --officers 3000 --repeat 5

## make lock: re-resolve pyproject.toml into requirements.lock (needs pip-tools)
lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
