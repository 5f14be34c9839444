# Townhall — one target each for run, test, lint, bench.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run install install-dev test test-sqlite test-postgres lint format bench messages clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --inexact --quiet

install-dev: $(UV)
	$(UV) sync --frozen --inexact --extra dev --quiet

run: install
	@mkdir -p var
	$(BIN)/townhall migrate --no-input
	$(BIN)/townhall demo
	$(BIN)/townhall runserver 127.0.0.1:8000

test: install-dev lint test-sqlite test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest

test-postgres:
	@if DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/python -m townhall.core.dbcheck; then \
		echo "== test suite on PostgreSQL =="; \
		DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest; \
	elif [ -n "$$TOWNHALL_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (TOWNHALL_REQUIRE_POSTGRES) but not reachable"; exit 1; \
	else \
		echo "!! PostgreSQL not reachable at $${DATABASE_URL:-$(PG_URL)}: PostgreSQL run SKIPPED"; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install-dev
	cd townhall && ../$(BIN)/django-admin makemessages -l vi --no-obsolete && ../$(BIN)/django-admin compilemessages

# BENCH_ARGS, e.g. "--quick" or "--sizes 100000,1000000 --databases postgres" (bench/README.md).
bench: $(UV)
	$(UV) sync --frozen --inexact --extra dev --extra bench --quiet
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null 2>&1; } \
		|| echo "wrk is not installed: the HTTP load falls back to a slower Python client"
	$(BIN)/python -m bench $(BENCH_ARGS)

# The reliability tests, long (tests/reliability; `make test` runs them bounded): 20,000 mixed
# requests, 4 x 500 petitions through 6 SIGKILLs of gunicorn, schemathesis with its coverage
# phase and 50 examples per operation, 300 lifecycle sequences. SQLite, then PostgreSQL.
.PHONY: soak
soak: install-dev
	@echo "== soak on SQLite =="
	TOWNHALL_SOAK=1 DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest tests/reliability
	@if DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/python -m townhall.core.dbcheck; then \
		echo "== soak on PostgreSQL =="; \
		TOWNHALL_SOAK=1 DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest tests/reliability; \
	else \
		echo "!! PostgreSQL not reachable at $${DATABASE_URL:-$(PG_URL)}: PostgreSQL soak SKIPPED"; \
	fi

clean:
	rm -rf $(VENV) var/*.sqlite3*
