"""Tiny hand-made performance folders for the scorecard tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

CATALOGUE = "\n".join([
    "indicator,title,agency,unit,polarity,target,target_direction,priority,definition,source,"
    "about_children",
    "timely,Assessments on time,Local authority,percentage,higher is better,85,at least,"
    "Front door,Assessments in 45 days,Case system,yes",
    "events,Training events,Board,count,higher is better,,,Governance,Events held,"
    "Training log,no",
    "mase,Children at MASE,CSE team,count,neither,,,CSE,Children discussed,CSE team,yes",
    'lac,Children looked after per 10000,Local authority,"rate per 10,000",neither,,,'
    "Front door,Rate,Case system,yes",
    "days,Days to conference,Local authority,days,lower is better,15,,Front door,Mean days,"
    "Case system,yes",
]) + "\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path):
    """A folder holding the catalogue above; tests add performance.csv."""
    out = tmp_path / "extract"
    write(out, "indicators.csv", CATALOGUE)
    return out
