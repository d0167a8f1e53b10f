# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run compiled test check bench lint types pytest diagrams clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Our modules compiled ahead (a no-op when up to date): with PYTHONDONTWRITEBYTECODE
# set, as on many machines and images, each start would compile them from source
# (about 0.15 s and 1 MB).
SOURCES := bot flows knowledge storage
compiled: $(STAMP)
	$(PY) -m compileall -q $(SOURCES)

run: compiled
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
bench: compiled
	if [ -z "$$BENCH_DATABASE_URL" ] && command -v pg_isready >/dev/null 2>&1 \
	    && pg_isready -q -h 127.0.0.1 -p 5432; then \
	    export BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test; fi; \
	$(PY) -m bench

diagrams: $(STAMP)
	$(PY) -m flows.diagrams docs/flows.md
	$(PY) -m tests.house docs/architecture.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
	find $(SOURCES) -name __pycache__ -prune -exec rm -rf {} +
