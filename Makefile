# Every target shares one virtual environment in .venv; the console script lands in .venv/bin.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= $(CURDIR)/runtime
PORT ?= 8501

.PHONY: venv run run-cluster demo test test-fast test-postgres e2e bench lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## make run: install, seed the demo on first start, start the app on the embedded TinyDB store
run: $(STAMP)
	COMPETENCY_REVIEW_DATA=$(DATA) $(BIN)/competency-review demo --if-empty
	COMPETENCY_REVIEW_DATA=$(DATA) $(BIN)/streamlit run serve.py --server.port $(PORT)

## make run-cluster: PostgreSQL + two Streamlit replicas behind nginx (session affinity) on http://127.0.0.1:8500
run-cluster: $(STAMP)
	$(BIN)/python scripts/run_cluster.py --data $(DATA)/cluster

demo: $(STAMP)
	COMPETENCY_REVIEW_DATA=$(DATA) $(BIN)/competency-review demo --if-empty

## make test: lint, then the whole test suite (end-to-end and office tests included where the tools exist)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

## make test-postgres: the PostgreSQL half of the both-stores tests alone (starts its own server)
test-postgres: $(STAMP)
	$(BIN)/python -m pytest -q -m postgres

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e and not office and not slow"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-output bench/out
