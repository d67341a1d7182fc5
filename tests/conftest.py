"""Shared fixtures: tiny hand-made extracts written to a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from wscb_analysis import config

SHARED_DATA = config.PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Each test gets its own Parquet cache so nothing leaks between tests."""
    monkeypatch.setattr(config, "PROCESSED_DIR", tmp_path / "processed")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


@pytest.fixture
def write_file(tmp_path):
    def _write(name: str, text: str, folder: Path | None = None) -> Path:
        return write(folder or tmp_path / "extract", name, text)
    return _write
