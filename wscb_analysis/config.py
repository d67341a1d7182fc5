"""Paths and defaults, derived from the project root so nothing depends on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The project root: the folder holding ``pyproject.toml`` when run from a checkout.
PROJECT_ROOT = PACKAGE_DIR.parent

DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
#: Validated tables cached as Parquet; disposable.
PROCESSED_DIR = Path(os.environ.get("WSCB_PROCESSED_DIR", DATA_DIR / "processed"))
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

#: The demo pack and its synthetic extract (``wscb demo``).
DEMO_DIR = OUTPUTS_DIR / "demo"
DEMO_EXTRACT_DIR = DEMO_DIR / "extract"
DEMO_PERIOD = "2016-17"
DEMO_SEED = 2017

#: DfE's published downloads beside the project (tests and the reference-table script only).
SHARED_DFE_DIR = PROJECT_ROOT.parent / "shared" / "data" / "dfe"

#: The shipped profile's DfE LA code: the default area of the comparator helpers for an
#: analyst who names none (the pages always use the run's partnership profile).
LA_CODE = "E10000031"
