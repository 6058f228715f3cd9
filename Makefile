# CivicDesk. The README explains each target; `make run` and `make test` are all you need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST := $(BIN)/pytest -p no:cacheprovider

.PHONY: run test lint gates pytest-sqlite pytest-postgres bench load demo clean

$(BIN)/python:
	@scripts/system-deps.sh run
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/civicdesk migrate --no-input -v 0
	$(BIN)/civicdesk demo
	@echo ""
	@echo "==> CivicDesk: http://$(HOST):$(PORT)/   (デモのログイン情報: var/demo-credentials.txt)"
	@echo ""
	$(BIN)/civicdesk runserver $(HOST):$(PORT)

test: gates pytest-sqlite pytest-postgres
	@echo "==> make test: すべて成功 (SQLite と PostgreSQL)"

gates: $(VENV)/.installed-dev
	@scripts/system-deps.sh test
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	@# The floors (docs/architecture.md, ADR 0016): each app imports only the apps below it.
	$(BIN)/lint-imports --no-cache
	CIVICDESK_VAR_DIR=$$(mktemp -d) $(BIN)/civicdesk makemigrations --check --dry-run
	CIVICDESK_VAR_DIR=$$(mktemp -d) $(BIN)/civicdesk check

pytest-sqlite: $(VENV)/.installed-dev
	@echo "==> pytest (SQLite)"
	env -u DATABASE_URL $(PYTEST)

pytest-postgres: $(VENV)/.installed-dev
	@echo "==> pytest (PostgreSQL)"
	CIVICDESK_DB_CONN_MAX_AGE=0 $(BIN)/python scripts/with_postgres.py -- $(PYTEST)

bench: $(VENV)/.installed-dev
	@scripts/system-deps.sh test
	env -u DATABASE_URL $(BIN)/python -m tests.bench.run --out bench/results.json
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.run --out bench/results.json
	@# The monthly report over 1,000,000 contacts, each database fresh (issue 7).
	env -u DATABASE_URL $(BIN)/python -m tests.bench.report_monthly --out bench/results.json
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.report_monthly --out bench/results.json
	@# The counters (issue 17): tickets, calls and displays on PostgreSQL; the day close on both.
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.counter --out bench/results.json
	env -u DATABASE_URL $(BIN)/python -m tests.bench.counter_cash --out bench/results.json
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.counter_cash --out bench/results.json
	@# Card issuance (issue 18): print files and ledgers, erasing recordings, on both databases.
	env -u DATABASE_URL $(BIN)/python -m tests.bench.cards_documents --out bench/results.json
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.cards_documents --out bench/results.json
	env -u DATABASE_URL $(BIN)/python -m tests.bench.cards_recordings --out bench/results.json
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.cards_recordings --out bench/results.json
	@# 1,000 residents booking 400 seats through the public site on gunicorn (PostgreSQL).
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.bench.cards_burst --out bench/results.json
	@echo "==> bench/results.json"

# 60 simulated operators for 5 minutes against gunicorn and a throwaway PostgreSQL (issue 8).
load: $(VENV)/.installed-dev
	@scripts/system-deps.sh test
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m tests.load.run --out bench/results.json
	@echo "==> bench/results.json (load_operators)"

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
