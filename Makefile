# Two-command start: `make demo` then `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint lab bench clean-cache help

help:
	@echo "make demo   - set up .venv if needed and publish the demo pack to outputs/demo"
	@echo "make test   - run the test suite (lint included)"
	@echo "make lab    - open JupyterLab on the notebooks"
	@echo "make bench  - run the benchmark scripts (slow: national-size data)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wscb demo

test: $(STAMP)
	$(BIN)/ruff check wscb_analysis tests benchmarks
	$(BIN)/python -m pytest -q

lab: $(STAMP)
	$(BIN)/python -m pip install -e ".[dev,lab]"
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_figures.py
	$(BIN)/python benchmarks/bench_publish.py

clean-cache:
	rm -rf data/processed/*/ && touch data/processed/.gitkeep
