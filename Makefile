# Townhall — one target each for run, test, lint, bench.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# pytest-xdist workers (one per core); a worker takes whole modules and classes, so a class
# that builds the demo once builds it once (docs/decisions/0012-*).
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

.PHONY: run install install-dev test test-sqlite test-postgres lint format bench messages clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: the installed packages' .pyc are written once, here. Where Python may not
# write them itself (PYTHONDONTWRITEBYTECODE, set on our CI machines and in many containers),
# every process would otherwise compile Django and the rest again: 7 s to start `townhall check`
# instead of 2.4 s (docs/decisions/0012-*).
install: $(UV)
	$(UV) sync --frozen --inexact --compile-bytecode --quiet

install-dev: $(UV)
	$(UV) sync --frozen --inexact --extra dev --compile-bytecode --quiet

run: install
	@mkdir -p var
	$(BIN)/townhall migrate --no-input
	$(BIN)/townhall demo
	$(BIN)/townhall runserver 127.0.0.1:8000

test: install-dev lint test-sqlite test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	DATABASE_URL=sqlite:///var/test.sqlite3 $(PYTEST)

test-postgres:
	@if DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/python -m townhall.core.dbcheck; then \
		echo "== test suite on PostgreSQL =="; \
		DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PYTEST); \
	elif [ -n "$$TOWNHALL_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (TOWNHALL_REQUIRE_POSTGRES) but not reachable"; exit 1; \
	else \
		echo "!! PostgreSQL not reachable at $${DATABASE_URL:-$(PG_URL)}: PostgreSQL run SKIPPED"; \
	fi

# bandit: townhall/ ([tool.bandit] in pyproject.toml; a finding that does not apply carries
# `# nosec BXXX`, docs/security.md). pip-audit: every package in uv.lock, against PyPI's
# vulnerability data. A known vulnerability fails; packages it could not audit (PyPI unreachable)
# are a loud SKIP, a failure under TOWNHALL_REQUIRE_AUDIT (docs/decisions/0005-*).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p var
	@echo "bandit -r townhall -c pyproject.toml"; $(BIN)/bandit -r townhall -c pyproject.toml -q \
		2>var/bandit.log || { cat var/bandit.log; exit 1; }
	$(UV) export --frozen --no-hashes --no-emit-project --all-extras --quiet -o var/audit-requirements.txt
	@$(BIN)/pip-audit -r var/audit-requirements.txt --no-deps --disable-pip -s pypi \
		--progress-spinner off > var/pip-audit.log 2>&1; status=$$?; \
	skipped=$$(grep -c 'could not be audited' var/pip-audit.log); \
	if grep -q '^Found [0-9]* known vulnerabilit' var/pip-audit.log; then \
		grep -v '^WARNING:pip_audit' var/pip-audit.log; exit 1; \
	elif [ $$status -ne 0 ] || [ $$skipped -ne 0 ]; then \
		tail -n 3 var/pip-audit.log; \
		echo "!! pip-audit could not audit $$skipped of $$(grep -c '==' var/audit-requirements.txt) packages (exit $$status; var/pip-audit.log): dependency audit SKIPPED"; \
		if [ -n "$$TOWNHALL_REQUIRE_AUDIT" ]; then exit 1; fi; \
	else \
		echo "pip-audit: no known vulnerabilities in $$(grep -c '==' var/audit-requirements.txt) locked packages"; \
	fi

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install-dev
	cd townhall && ../$(BIN)/django-admin makemessages -l vi --no-obsolete && ../$(BIN)/django-admin compilemessages

# BENCH_ARGS, e.g. "--quick" or "--sizes 100000,1000000 --databases postgres" (bench/README.md).
bench: $(UV)
	$(UV) sync --frozen --inexact --extra dev --extra bench --compile-bytecode --quiet
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null 2>&1; } \
		|| echo "wrk is not installed: the HTTP load falls back to a slower Python client"
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.reports $(BENCH_REPORTS_ARGS)  # e.g. --reports-size 200000

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

# The README's screenshots (docs/screenshots/*.png): the demo built into a fresh SQLite database
# (var/screenshots.sqlite3), served by `townhall runserver`, photographed by Chromium
# (e2e/test_screenshots.py; Debian's /usr/bin/chromium). Takes two to three minutes.
.PHONY: screenshots
screenshots: install-dev
	TOWNHALL_SCREENSHOTS=1 DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest e2e/test_screenshots.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
