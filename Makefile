# The README's two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench clean help

help:
	@echo "make run    create .venv, load a sample into the default database, start gaorec"
	@echo "make test   create .venv if needed, lint (ruff, mypy), then run the test suite"
	@echo "make lint   ruff check and mypy only"
	@echo "make bench  run the benchmarks (figures go to docs/performance.md)"

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gaorec run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# ruff first (fail fast, under a second); mypy (~12 s of CPU, up to 40 s of wall on a clean clone) runs beside
# the suite, whose workers spend much of their time waiting on gaorec processes and sockets. mypy's report is
# printed when it ends, and a finding fails the target like a failed test. Four workers on two cores: the tests
# wait on processes, sockets and PostgreSQL much of the time, and two workers left the cores partly idle (240 s
# against 384 s for the same code: docs/performance.md, "The test suite"); TEST_WORKERS=2 overrides.
test: $(STAMP)
	$(BIN)/ruff check .
	@log=$$(mktemp); \
	( $(BIN)/mypy >$$log 2>&1; rc=$$?; sed 's/^/mypy: /' $$log; exit $$rc ) & typing=$$!; \
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(or $(TEST_WORKERS),4) --dist worksteal; tests=$$?; \
	wait $$typing; typed=$$?; rm -f $$log; \
	if [ $$typed -ne 0 ]; then echo "make test: mypy found problems (above)"; exit $$typed; fi; exit $$tests

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache
