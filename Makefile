# Two-command start: `make demo` then `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.lab-installed
# Quiet installs: pip's chatter goes to a log, a failure prints it.
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip
INSTALL_LOG := $(VENV)/install.log

.PHONY: demo test lint lab bench clean-cache help

help:
	@echo "make demo   - set up .venv if needed and publish the demo pack to outputs/demo"
	@echo "make test   - run the test suite (lint included)"
	@echo "make lab    - open JupyterLab on the notebooks"
	@echo "make bench  - run the benchmark scripts (slow: national-size data)"

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (the first time takes a few minutes; log: $(INSTALL_LOG))"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip > $(INSTALL_LOG) 2>&1 || (cat $(INSTALL_LOG); exit 1)
	@$(PIP) install -e ".[dev]" >> $(INSTALL_LOG) 2>&1 || (cat $(INSTALL_LOG); exit 1)
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 >> $(INSTALL_LOG) 2>&1
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/wscb demo

test: $(STAMP)
	$(BIN)/ruff check wscb_analysis tests benchmarks
	$(BIN)/python -m pytest -q

$(LAB_STAMP): $(STAMP)
	@echo "Adding JupyterLab to $(VENV) (log: $(INSTALL_LOG))"
	@$(PIP) install -e ".[dev,lab]" >> $(INSTALL_LOG) 2>&1 || (cat $(INSTALL_LOG); exit 1)
	@touch $(LAB_STAMP)

# JupyterLab refuses to run as root unless told; containers and CI often are root.
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_figures.py
	$(BIN)/python benchmarks/bench_publish.py

clean-cache:
	rm -rf data/processed/*/ && touch data/processed/.gitkeep
