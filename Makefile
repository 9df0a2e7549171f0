# The two commands of the README: `make demo` and `make test`. Both create or reuse .venv in the project root.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUM := $(shell cksum < pyproject.toml | cut -d' ' -f1)
# two stamps: the runtime (what a server needs, `make install`) and the test extras on top (`make test`)
STAMP := $(VENV)/.installed-$(SUM)
TEST_STAMP := $(VENV)/.installed-test-$(SUM)
DEMO_DB := data/demo.db
DEMO_AS_OF := 2026-07-15

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	@rm -f $(VENV)/.installed-[0-9]*
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	@rm -f $(VENV)/.installed-test-*
	@touch $@

install: $(STAMP)

# The demo: `monitor init`, `monitor actuals import config/samples/* --submitted-by demo`, `monitor plans check` and
# `monitor check --as-of $(DEMO_AS_OF) --fail-on never --notify`, run in one process by monitor/demo.py, so the
# imports (pandas, SQLAlchemy, pydantic: most of each command's start-up) are paid once.
demo: $(STAMP)
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@MONITOR_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/python -m monitor.demo --as-of $(DEMO_AS_OF) --samples config/samples

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,bench]'
	$(BIN)/python benchmarks/national.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data/demo.db* .pytest_cache
