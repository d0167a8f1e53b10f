# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check bench lint types pytest diagrams clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

test: lint types pytest

lint: $(STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

types: $(STAMP)
	$(PY) -m mypy

pytest: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m bot check

# The outbox benchmark also runs on PostgreSQL when one answers on 127.0.0.1:5432.
bench: $(STAMP)
	if [ -z "$$BENCH_DATABASE_URL" ] && command -v pg_isready >/dev/null 2>&1 \
	    && pg_isready -q -h 127.0.0.1 -p 5432; then \
	    export BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test; fi; \
	$(PY) -m bench

diagrams: $(STAMP)
	$(PY) -m flows.diagrams docs/flows.md
	$(PY) -m tests.house docs/architecture.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
