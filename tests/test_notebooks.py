"""The committed notebooks: thin, parameterised alike, and never carrying outputs (an output
could hold a child's data)."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from wscb_analysis import config

BOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
PARAMETERS = {"data_dir", "period", "quarter", "benchmarks_dir", "profile", "column_map",
              "use_cache", "la", "archive"}


def test_there_are_eight_topic_notebooks():
    assert [b.stem for b in BOOKS] == [
        "01_overview", "02_rereferrals", "03_repeat_plans", "04_plan_duration", "05_missing",
        "06_diversity", "07_early_help", "08_scorecard"]


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.stem)
def test_committed_without_outputs_and_one_parameters_cell(book):
    nb = nbformat.read(book, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, book.name
    # Every page takes the parameters a publish passes (CONTRACT.md, "Notebook parameters").
    assert set(pm.inspect_notebook(str(book))) == PARAMETERS


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.stem)
def test_thin(book):
    # Parameters, a context, section calls: a notebook computing things is a missing helper.
    nb = nbformat.read(book, as_version=4)
    code = [line for c in nb.cells if c.cell_type == "code" and "parameters" not in
            c.metadata.get("tags", []) for line in c.source.splitlines() if line.strip()]
    assert len(code) <= 20, book.name
